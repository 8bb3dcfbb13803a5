import { execa } from 'execa';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvidenceIndex } from '../../src/evidence/evidence-index.js';
import { conversationCapture, LINKTYPE } from '../helpers/pcap-builder.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { requireTool } from '../helpers/tools.js';
import { waitUntil } from '../helpers/wait-until.js';

const ROOT = join(import.meta.dirname, '../..');
const EVIDENCE_BIN = join(ROOT, 'dist/cli/evidence.js');
const REPORT_BIN = join(ROOT, 'dist/cli/report.js');
const capture = await requireTool('tcpdump', 'root');
const tshark = await requireTool('tshark');

const evidence = (args: string[]) => execa('node', [EVIDENCE_BIN, ...args], { cwd: ROOT, reject: false, all: true });
const readIndex = async (folder: string) => JSON.parse(await readFile(join(folder, 'index.json'), 'utf8')) as EvidenceIndex;

describe('npm run evidence', () => {
  it('runs what can run, lists what cannot with the command that makes it, and shows progress', async () => {
    const out = join(await makeTempDir('chatmsg-evidence-'), 'ev');
    const run = await evidence(['--out', out, '--only', 'local-basic,remote-basic']);
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(/\[1\/2\] basic scenario on 127\.0\.0\.1 \.\.\./);
    expect(run.all).toMatch(/\[2\/2\] basic scenario against the remote server, captured here: MISSING, no remote server given/);
    expect(run.all).toContain(`next: npm run report -- ${out}`);
    const index = await readIndex(out);
    expect(index.steps.map((s) => [s.id, s.status])).toEqual([['local-basic', 'passed'], ['remote-basic', 'missing']]);
    const [basic, remote] = index.steps;
    expect(basic!.runDir).toMatch(/^2\.2\/basic\/basic-\d{8}T\d{6}Z$/);
    expect(JSON.parse(await readFile(join(out, basic!.runDir!, 'result.json'), 'utf8'))).toMatchObject({ scenario: 'basic', passed: true });
    expect(remote).toMatchObject({ reason: expect.stringMatching(/--remote host\[:port\]/), command: 'npm run evidence -- --remote <vm-address>:5151' });
  });

  it.skipIf(capture.skip)(capture.title('captures the local scenarios'), async () => {
    const out = join(await makeTempDir('chatmsg-evidence-'), 'ev');
    const run = await evidence(['--out', out, '--only', 'local-basic']);
    expect(run.exitCode, run.all).toBe(0);
    const [basic] = (await readIndex(out)).steps;
    expect(basic!.capture).toBe(`${basic!.runDir}/traffic.pcap`);
    expect(basic!.port).toBeGreaterThan(0);
  });

  it('Ctrl-C stops the running step, keeps what was made and says so', async () => {
    const out = join(await makeTempDir('chatmsg-evidence-'), 'ev');
    const child = execa('node', [EVIDENCE_BIN, '--out', out, '--only', 'local-errors,local-presence'], { cwd: ROOT, reject: false, all: true });
    let output = '';
    child.all!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // Inside the errors scenario (it waits 2 s for the server's login timeout).
    await waitUntil(() => /\[1\/2\] errors scenario[\s\S]*alice> LOGIN alice/.test(output), 'the errors step running', { timeoutMs: 20_000, detail: () => output });
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, output).toBe(130);
    expect(output).toContain('Ctrl-C: stopping the running step; what was made stays in the folder');
    const index = await readIndex(out);
    expect(index.steps.map((s) => s.id)).toEqual(['local-errors', 'local-presence']);
    expect(index.steps.some((s) => s.status === 'interrupted')).toBe(true);
    expect(index.steps.at(-1)!.status).toBe('interrupted');
  });

  it('refuses bad options with a clear line', async () => {
    for (const [args, message] of [
      [['--remote', 'vm:99999'], /bad --remote "vm:99999"/],
      [['--only', 'nope'], /unknown step "nope"/],
      [['--add', '2.4'], /--add takes a section and one capture file/],
    ] as const) {
      const run = await evidence([...args]);
      expect(run.exitCode, run.all).toBe(2);
      expect(run.all).toMatch(message);
    }
  });
});

describe('npm run evidence -- --add', () => {
  it('refuses a section the report has no place for, and a file that is not a capture, and changes nothing', async () => {
    const out = await makeTempDir('chatmsg-evidence-');
    const text = join(out, 'notes.txt');
    await writeFile(text, 'not a capture\n');
    const pcap = join(out, 'wifi.pcap');
    await writeFile(pcap, conversationCapture(LINKTYPE.RADIOTAP, { client: '10.9.0.5', server: '20.1.2.3', clientPort: 40000, serverPort: 5151, lines: ['>LOGIN alice', '<OK LOGIN alice'] }));
    const folder = join(out, 'ev');
    const badSection = await evidence(['--add', '2.9', pcap, '--out', folder]);
    expect(badSection.exitCode).toBe(1);
    expect(badSection.all).toContain('bad section "2.9": captures go to 2.2, 2.3, 2.4, 2.5, 2.7');
    const notCapture = await evidence(['--add', '2.4', text, '--out', folder]);
    expect(notCapture.exitCode).toBe(1);
    expect(notCapture.all).toMatch(/notes\.txt is not a pcap or pcapng capture/);
    const missing = await evidence(['--add', '2.4', join(out, 'gone.pcapng'), '--out', folder]);
    expect(missing.exitCode).toBe(1);
    expect(missing.all).toMatch(/cannot read .*gone\.pcapng: no such file/);
    await expect(readFile(join(folder, 'index.json'))).rejects.toThrow();
  });

  it.skipIf(tshark.skip)(tshark.title('a Wi-Fi capture made elsewhere lands in its section and the report shows its 802.11 layers'), async () => {
    const out = await makeTempDir('chatmsg-evidence-');
    const pcapng = join(out, 'laptop-wifi.pcapng');
    await writeFile(pcapng, conversationCapture(LINKTYPE.RADIOTAP, {
      client: '10.9.0.5', server: '20.1.2.3', clientPort: 40000, serverPort: 5151,
      lines: ['<HELLO CHAT-MSG/1 hi', '>LOGIN alice', '<OK LOGIN alice', '>MSG bob over the air', '<OK MSG bob'],
    }, 'pcapng'));
    const folder = join(out, 'ev');
    const add = await evidence(['--add', '2.4', pcapng, '--out', folder, '--scenario', 'basic']);
    expect(add.exitCode, add.all).toBe(0);
    expect(add.all).toContain('added 2.4/laptop-wifi.pcapng');
    const [step] = (await readIndex(folder)).steps;
    expect(step).toMatchObject({ id: 'added-2.4-laptop-wifi.pcapng', section: '2.4', status: 'passed', capture: '2.4/laptop-wifi.pcapng', scenario: 'basic' });
    const report = await execa('node', [REPORT_BIN, folder, '--no-pdf'], { cwd: ROOT, reject: false, all: true });
    expect(report.exitCode, report.all).toBe(0);
    const html = await readFile(join(folder, 'report', 'index.html'), 'utf8');
    const section = html.slice(html.indexOf('id="s2.4"'), html.indexOf('id="s2.5"'));
    expect(section).toContain('MSG: frame');
    expect(section).toContain('Radiotap header');
    expect(section).toContain('IEEE 802.11');
    expect(section).toContain('wlan.bssid');
    expect(section).toContain('The test scenario used for this capture (scenarios/basic.scenario)');
  });
});
