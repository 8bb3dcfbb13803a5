import { execa } from 'execa';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/tools.js';
import { SEGMENTED_PCAP, SEGMENTED_SCENARIO } from './fixture.js';

const tshark = await requireTool('tshark');

const ANALYZE_BIN = fileURLToPath(new URL('../../dist/cli/analyze.js', import.meta.url));
const analyze = (args: string[], env: Record<string, string> = {}) =>
  execa(process.execPath, [ANALYZE_BIN, ...args], { reject: false, env, extendEnv: true });

describe('npm run analyze (the built CLI)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chatmsg-analyze-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(tshark.skip)(tshark.title('writes the report and the SVG with --out, and passes --expect for a matching scenario'), async () => {
    const scenario = join(dir, 'segmented.scenario');
    await writeFile(scenario, SEGMENTED_SCENARIO);
    const out = join(dir, 'report.md');
    const result = await analyze([SEGMENTED_PCAP, '--out', out, '--expect', scenario]);
    expect(result.stderr).toContain('scenario segmented: PASS');
    expect(result.exitCode).toBe(0);
    const report = await readFile(out, 'utf8');
    expect(report).toContain('## Scenario check: segmented\n\n**PASS**');
    expect(report).toContain('![sequence diagram](report.svg)');
    expect(await readFile(join(dir, 'report.svg'), 'utf8')).toMatch(/^<svg /);
  });

  it.skipIf(tshark.skip)(tshark.title('prints the report on stdout without --out and exits 1 when --expect fails'), async () => {
    const scenario = join(dir, 'wrong.scenario');
    await writeFile(scenario, SEGMENTED_SCENARIO.replace('alice< LEFT bob', 'alice< LEFT carol'));
    const result = await analyze([SEGMENTED_PCAP, '--port', '5151', '--svg', join(dir, 'x.svg'), '--expect', scenario]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('**FAIL**');
    expect(result.stderr).toMatch(/scenario segmented: FAIL\n.*alice< LEFT carol is not in the capture/);
  });

  it('says how to install tshark when it is not on PATH', async () => {
    // A PATH with nothing on it: node is started by its full path, tshark cannot be found (and no
    // TSHARK names another one, as when this suite runs against tshark 4.4).
    const result = await analyze([SEGMENTED_PCAP, '--svg', join(dir, 'y.svg')], { PATH: dir, TSHARK: '' });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('chatmsg-analyze: tshark not found');
    expect(result.stderr).toContain('apt-get install tshark');
    expect(result.stderr).toContain('brew install --cask wireshark');
  });

  it.skipIf(tshark.skip)(tshark.title('refuses a missing file and a file that is not a capture with one clear line'), async () => {
    const missing = await analyze([join(dir, 'nope.pcap')]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/cannot read capture file .*nope\.pcap/);
    const notPcap = join(dir, 'text.pcap');
    await writeFile(notPcap, 'this is not a capture\n');
    const garbage = await analyze([notPcap, '--svg', join(dir, 'z.svg')]);
    expect(garbage.exitCode).toBe(1);
    expect(garbage.stderr).toMatch(/tshark could not read .*text\.pcap: .+/);
  });

  it.skipIf(tshark.skip)(tshark.title('takes the server from the result.json of a scenario run next to the capture'), async () => {
    const run = join(dir, 'run');
    await mkdir(run);
    await copyFile(SEGMENTED_PCAP, join(run, 'traffic.pcap'));
    const hello = await analyze([join(run, 'traffic.pcap'), '--svg', join(run, 'd.svg')]);
    const port = /\| 0 \| 127\.0\.0\.1:\d+ \| alice \| 127\.0\.0\.1:(\d+) \|/.exec(hello.stdout)![1];
    // A server that is not in the capture: nothing of it is analysed.
    await writeFile(join(run, 'result.json'), JSON.stringify({ server: '127.0.0.1:1' }));
    const other = await analyze([join(run, 'traffic.pcap'), '--svg', join(run, 'd.svg')]);
    expect(other.stderr).toContain('server 127.0.0.1:1 (from result.json next to the capture)');
    expect(other.stdout).toContain('| TCP connections | 0 |');
    await writeFile(join(run, 'result.json'), JSON.stringify({ server: `127.0.0.1:${port}` }));
    const same = await analyze([join(run, 'traffic.pcap'), '--svg', join(run, 'd.svg')]);
    expect(same.stdout).toContain('| TCP connections | 2 |');
  });

  it('--help explains every option and exits 0', async () => {
    const help = await analyze(['--help']);
    expect(help.exitCode).toBe(0);
    for (const option of ['--port', '--server', '--out', '--svg', '--expect']) expect(help.stdout).toContain(option);
  });

  it('rejects bad options with exit code 2', async () => {
    const noFile = await analyze([]);
    expect(noFile.exitCode).toBe(2);
    expect(noFile.stderr).toContain('missing capture file');
    const badPort = await analyze([SEGMENTED_PCAP, '--port', '70000']);
    expect(badPort.exitCode).toBe(2);
    expect(badPort.stderr).toContain('bad port "70000"');
    const badServer = await analyze([SEGMENTED_PCAP, '--server', 'localhost']);
    expect(badServer.exitCode).toBe(2);
    expect(badServer.stderr).toContain('bad --server "localhost": expected host:port');
    const unknownOption = await analyze([SEGMENTED_PCAP, '--nope']);
    expect(unknownOption.exitCode).toBe(2);
    const unknownScenario = await analyze([SEGMENTED_PCAP, '--expect', 'no-such-scenario']);
    expect(unknownScenario.exitCode).toBe(1);
    expect(unknownScenario.stderr).toContain('no scenario "no-such-scenario"');
  });
});
