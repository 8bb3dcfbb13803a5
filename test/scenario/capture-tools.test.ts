import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  captureArgs, chooseInterface, closingReport, installHint, NO_PERMISSION, parseInterfaceList, permissionHint, READY, wiresharkFolders,
} from '../../src/scenario/capture-tools.js';

const list = (name: string) =>
  parseInterfaceList(readFileSync(new URL(`fixtures/interface-lists/${name}.txt`, import.meta.url), 'utf8'));

describe('interface lists as dumpcap -D, tshark -D and tcpdump -D print them', () => {
  it('reads index, name, description and flags, also a description with parentheses inside and CRLF lines', () => {
    expect(list('linux-tcpdump')[5]).toEqual({ index: 6, name: 'nflog', description: 'Linux netfilter log (NFLOG) interface', flags: 'none' });
    expect(list('linux-dumpcap')[2]).toEqual({ index: 3, name: 'lo', description: 'Loopback', flags: '' });
    expect(list('windows-npcap-dumpcap').map((i) => i.name)).toEqual([
      '\\Device\\NPF_{6A1E5C2B-3D4F-4A5B-8C6D-7E8F9A0B1C2D}', '\\Device\\NPF_{0B2C3D4E-5F6A-4B7C-9D8E-1F2A3B4C5D6E}',
      '\\Device\\NPF_Loopback', 'etwdump',
    ]);
    expect(list('windows-npcap-dumpcap')[3]!.description).toBe('Event Tracing for Windows (ETW) reader');
  });

  it('reads back any list printed in that format, LF or CRLF (property)', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9_{}\\.:-]{1,24}$/);
    const text = fc.stringMatching(/^[A-Za-z0-9 ()/.,:-]{0,40}$/).map((t) => t.trim()).filter((t) => !t.endsWith(')') || t.includes('('));
    const entry = fc.record({ name: word, description: text, flags: fc.constantFrom('', 'Up, Running', 'Loopback', 'none') });
    fc.assert(fc.property(fc.array(entry, { maxLength: 12 }), fc.constantFrom('\n', '\r\n'), (entries, eol) => {
      const printed = entries.map((e, i) => `${i + 1}. ${e.name}${e.description ? ` (${e.description})` : ''}${e.flags ? ` [${e.flags}]` : ''}`).join(eol);
      expect(parseInterfaceList(printed)).toEqual(entries.map((e, i) => ({ index: i + 1, ...e })));
    }));
  });

  it('skips lines that are not interfaces (warnings, blank lines)', () => {
    expect(parseInterfaceList('tshark: there are no interfaces\n\n  \n')).toEqual([]);
  });
});

describe('the interface a loopback server is captured on, per platform', () => {
  it.each([
    ['linux', 'linux-dumpcap', 'lo'],
    ['linux', 'linux-tcpdump', 'lo'],
    ['darwin', 'macos-dumpcap', 'lo0'],
    ['win32', 'windows-npcap-dumpcap', '\\Device\\NPF_Loopback'],
    ['win32', 'windows-old-npcap-dumpcap', '\\Device\\NPF_{C3D4E5F6-A7B8-4C9D-8E0F-1A2B3C4D5E6F}'],
  ] as const)('%s, %s: %s', (platform, fixture, iface) => {
    for (const host of ['127.0.0.1', '127.0.0.5', 'localhost', '::1']) expect(chooseInterface(host, platform, list(fixture))).toEqual({ iface });
  });

  it('uses the platform\'s loopback name when there is no list (Linux lo, macOS lo0)', () => {
    expect(chooseInterface('127.0.0.1', 'linux')).toEqual({ iface: 'lo' });
    expect(chooseInterface('127.0.0.1', 'darwin')).toEqual({ iface: 'lo0' });
  });

  it('on Windows without Npcap\'s loopback adapter, says to install Npcap with loopback support', () => {
    for (const listed of [list('windows-no-loopback-dumpcap'), []]) {
      const choice = chooseInterface('127.0.0.1', 'win32', listed);
      expect(choice).toEqual({ problem: expect.stringMatching(/no loopback interface.*Npcap.*"Support loopback traffic"/) });
    }
  });

  it('captures a server elsewhere on Linux\'s any, and refuses it where there is no any (macOS, Windows)', () => {
    expect(chooseInterface('10.1.2.3', 'linux', list('linux-dumpcap'))).toEqual({ iface: 'any' });
    for (const platform of ['darwin', 'win32'] as const) {
      expect(chooseInterface('10.1.2.3', platform, list('macos-dumpcap'))).toEqual({ problem: expect.stringContaining('capture in Wireshark') });
    }
  });
});

describe('the capture command lines', () => {
  const filter = 'tcp and port 5151';

  it('tcpdump: immediate mode, packet-buffered, 32 MiB buffer given in KiB', () => {
    expect(captureArgs('tcpdump', 'lo0', 'x.pcap', filter)).toEqual(['-i', 'lo0', '--immediate-mode', '-U', '-B', '32768', '-n', '-w', 'x.pcap', filter]);
  });

  it('dumpcap and tshark: classic pcap (they default to pcapng), buffer in MiB, the filter after -f', () => {
    expect(captureArgs('dumpcap', '\\Device\\NPF_Loopback', 'x.pcap', filter)).toEqual(['-i', '\\Device\\NPF_Loopback', '-P', '-B', '32', '-w', 'x.pcap', '-f', filter]);
    expect(captureArgs('tshark', 'lo', 'x.pcap', filter)).toEqual(['-i', 'lo', '-F', 'pcap', '-q', '-B', '32', '-w', 'x.pcap', '-f', filter]);
  });

  it('knows when each program captures and what it counted', () => {
    expect(READY.tcpdump.test('tcpdump: listening on lo, link-type EN10MB (Ethernet)')).toBe(true);
    // dumpcap says "Capturing on" before it opens the interface, and also when that then fails.
    expect(READY.dumpcap.test('Capturing on \'Loopback: lo\'\ndumpcap: You do not have permission to capture on device "lo".')).toBe(false);
    expect(READY.dumpcap.test('Capturing on \'Loopback: lo\'\nFile: x.pcap\n')).toBe(true);
    expect(READY.tshark.test('Capturing on \'Loopback: lo\'\n ** (tshark:1) [Main MESSAGE] -- File: "x.pcap"')).toBe(true);
    expect(closingReport('12 packets captured\n24 packets received by filter\n')).toBe('12 packets captured');
    expect(closingReport('File: x.pcap\r\nPackets captured: 7\r\nPackets received/dropped on interface \'lo\': 7/0\r\n')).toBe('Packets captured: 7');
  });
});

describe('what to tell the user', () => {
  it('names the permission fix of each platform', () => {
    expect(permissionHint('linux', 'tcpdump')).toContain('sudo setcap cap_net_raw,cap_net_admin=eip');
    expect(permissionHint('linux', 'dumpcap')).toContain('usermod -aG wireshark');
    expect(permissionHint('darwin', 'tcpdump')).toContain('ChmodBPF');
    expect(permissionHint('win32', 'dumpcap')).toMatch(/Npcap.*"Support loopback traffic".*Administrator/);
  });

  it('names what to install on each platform', () => {
    expect(installHint('linux')).toContain('apt-get install tcpdump');
    expect(installHint('darwin')).toContain('brew install --cask wireshark');
    expect(installHint('win32')).toMatch(/Wireshark.*Npcap.*%ProgramFiles%\\Wireshark/);
  });

  it('recognises the refusals of Linux, macOS and Windows as a permission problem, and not a bad filter', () => {
    for (const said of [
      'tcpdump: lo: You don\'t have permission to capture on that device (socket: Operation not permitted)',
      'dumpcap: The capture session could not be initiated on interface \'lo\' (You don\'t have permission to capture on that device).',
      'tcpdump: lo0: (cannot open BPF device) /dev/bpf0: Permission denied',
      'The NPF driver isn\'t running. You may have trouble capturing or listing interfaces.',
    ]) expect(NO_PERMISSION.test(said), said).toBe(true);
    expect(NO_PERMISSION.test('tcpdump: syntax error in filter expression')).toBe(false);
  });
});

describe('where Wireshark\'s programs are looked for beyond PATH', () => {
  it('in %ProgramFiles%\\Wireshark on Windows and in the app bundle on macOS; nowhere else on Linux', () => {
    expect(wiresharkFolders('win32', { ProgramFiles: 'D:\\Apps' })).toEqual(['D:\\Apps\\Wireshark']);
    expect(wiresharkFolders('win32', {})).toEqual(['C:\\Program Files\\Wireshark']);
    expect(wiresharkFolders('darwin', {})).toEqual(['/Applications/Wireshark.app/Contents/MacOS']);
    expect(wiresharkFolders('linux', {})).toEqual([]);
  });
});
