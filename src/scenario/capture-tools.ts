/**
 * Which program captures, on which interface, with which arguments, and what to tell the user
 * when it cannot: pure functions of the platform and of what `dumpcap -D` printed, so each
 * platform's choice is tested on any machine (test/scenario/capture-tools.test.ts).
 */

/** In the order they are preferred: tcpdump where it is (Linux, macOS), else Wireshark's own. */
export const CAPTURE_PROGRAMS = ['tcpdump', 'dumpcap', 'tshark'] as const;
export type CaptureProgram = (typeof CAPTURE_PROGRAMS)[number];

/**
 * The kernel buffer, in KiB (tcpdump -B) and MiB (dumpcap/tshark -B). The default 2 MiB overflowed
 * ("dropped by kernel") when a broadcast burst met a busy 2-core machine; 32 MiB absorbs such a
 * burst while the capture program catches up.
 */
export const CAPTURE_BUFFER_MIB = 32;
export const CAPTURE_BUFFER_KIB = String(CAPTURE_BUFFER_MIB * 1024);

/** One line of `dumpcap -D`, `tshark -D` or `tcpdump -D`. */
export interface ListedInterface {
  index: number;
  name: string;
  /** The friendly name or description in parentheses (`Loopback`, `Adapter for loopback traffic capture`). */
  description: string;
  /** tcpdump's flags in brackets (`Up, Running, Loopback`). */
  flags: string;
}

/**
 * Parses an interface list: `N. name` then an optional ` (description)` (dumpcap and tshark) and
 * optional ` [flags]` (tcpdump). On Windows a name is `\Device\NPF_{GUID}` or `\Device\NPF_Loopback`.
 */
export function parseInterfaceList(text: string): ListedInterface[] {
  const list: ListedInterface[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(\d+)\.\s*(\S+)(?:\s+\((.*?)\))?(?:\s+\[(.*)\])?\s*$/.exec(line);
    if (match) list.push({ index: Number(match[1]), name: match[2]!, description: match[3] ?? '', flags: match[4] ?? '' });
  }
  return list;
}

/** The loopback interface's usual name; Windows has none that is fixed (Npcap names it). */
const LOOPBACK_NAMES: Partial<Record<NodeJS.Platform, string>> = { linux: 'lo', darwin: 'lo0' };
const NPCAP_LOOPBACK = '\\Device\\NPF_Loopback';

/** Is the server on this machine's loopback (where the scenarios run)? */
export const isLoopbackHost = (host: string): boolean => host === 'localhost' || host.startsWith('127.') || host === '::1';

/** Where to capture, or why we cannot (a sentence with the fix). */
export type InterfaceChoice = { iface: string } | { problem: string };

/**
 * The interface to capture a server's traffic on. Loopback: from the program's interface list when
 * there is one (Npcap's `\Device\NPF_Loopback`, or an older Npcap's adapter described as
 * loopback), else the platform's usual name. A server elsewhere: Linux's `any`; macOS and Windows
 * have no such pseudo-interface.
 */
export function chooseInterface(host: string, platform: NodeJS.Platform, listed: ListedInterface[] = []): InterfaceChoice {
  if (!isLoopbackHost(host)) {
    if (platform === 'linux') return { iface: 'any' };
    return { problem: `--capture records a server on this machine (127.0.0.1); for ${host}, capture in Wireshark on the interface that reaches it` };
  }
  const usual = LOOPBACK_NAMES[platform];
  const found = listed.find((i) => i.name === usual || i.name === NPCAP_LOOPBACK)
    ?? listed.find((i) => /loopback/i.test(i.description) || /\bloopback\b/i.test(i.flags));
  if (found) return { iface: found.name };
  if (usual) return { iface: usual };
  return { problem: `no loopback interface in the capture program's list: ${permissionHint(platform, 'dumpcap')}` };
}

/** The command line that records `filter` on `iface` into `file` (classic pcap, as our tests read). */
export function captureArgs(program: CaptureProgram, iface: string, file: string, filter: string): string[] {
  if (program === 'tcpdump') {
    // --immediate-mode: packets reach tcpdump at once, not in blocks the kernel hands over up to a
    // second later (a stop in between would lose them); -U: each packet is written as it comes.
    return ['-i', iface, '--immediate-mode', '-U', '-B', CAPTURE_BUFFER_KIB, '-n', '-w', file, filter];
  }
  // dumpcap and tshark: -P / -F pcap for the classic format (they default to pcapng).
  const format = program === 'dumpcap' ? ['-P'] : ['-F', 'pcap', '-q'];
  return ['-i', iface, ...format, '-B', String(CAPTURE_BUFFER_MIB), '-w', file, '-f', filter];
}

/**
 * What the program prints once it captures: tcpdump `listening on lo`; dumpcap and tshark
 * `File: x.pcap`, once the interface is open and the file created (their `Capturing on 'lo'` comes
 * before the interface is opened, and also when that then fails).
 */
export const READY: Record<CaptureProgram, RegExp> = {
  tcpdump: /listening on /,
  dumpcap: /^File: /m,
  tshark: /File: /,
};

/** The closing report's line with the packet count: tcpdump/tshark `N packets captured`, dumpcap `Packets captured: N`. */
export function closingReport(stderr: string): string {
  return stderr.split(/\r?\n/).find((line) => /packets captured|Packets captured:/i.test(line))?.trim() ?? '';
}

/** Messages that mean "no permission to capture" (Linux, macOS /dev/bpf, Windows Npcap). */
export const NO_PERMISSION = /permission|not permitted|You don't have|\/dev\/bpf|NPF driver|Npcap|Administrator/i;

/** What to install when no capture program is found. */
export function installHint(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'win32':
      return 'install Wireshark (https://www.wireshark.org): it brings dumpcap and offers Npcap; tick Npcap\'s "Support loopback traffic". dumpcap is looked for on PATH and in %ProgramFiles%\\Wireshark';
    case 'darwin':
      return 'tcpdump comes with macOS; if it was removed, install Wireshark (brew install --cask wireshark), whose dumpcap is looked for on PATH and in /Applications/Wireshark.app/Contents/MacOS';
    default:
      return 'install tcpdump (Debian/Ubuntu: sudo apt-get install tcpdump), or tshark, which brings dumpcap';
  }
}

/** What to grant when the program is there but may not capture. */
export function permissionHint(platform: NodeJS.Platform, program: CaptureProgram): string {
  switch (platform) {
    case 'win32':
      return 'Npcap is missing or has no loopback support: (re)install Npcap (Wireshark\'s installer offers it, or https://npcap.com) with "Support loopback traffic" ticked; if it was installed with "Restrict Npcap driver\'s access to Administrators only", run from an Administrator prompt';
    case 'darwin':
      return 'macOS lets only root and the access_bpf group open /dev/bpf*: install ChmodBPF (the "Install ChmodBPF" package in Wireshark\'s disk image, or brew install --cask wireshark-chmodbpf), then log out and in again; or run with sudo';
    default:
      return program === 'tcpdump'
        ? 'run as root, or allow it once with: sudo setcap cap_net_raw,cap_net_admin=eip "$(command -v tcpdump)"'
        : 'run as root, or let your account capture through Wireshark\'s group: sudo dpkg-reconfigure wireshark-common (answer yes), sudo usermod -aG wireshark "$USER", then log in again';
  }
}

/** Folders where Wireshark's installers put dumpcap and tshark, beyond PATH. */
export function wiresharkFolders(platform: NodeJS.Platform, env: NodeJS.ProcessEnv = process.env): string[] {
  if (platform === 'win32') return [`${env['ProgramFiles'] ?? 'C:\\Program Files'}\\Wireshark`];
  if (platform === 'darwin') return ['/Applications/Wireshark.app/Contents/MacOS'];
  return [];
}
