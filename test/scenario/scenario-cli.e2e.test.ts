import { execa } from 'execa';
import { build } from 'esbuild';
import { chmod, copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../../src/scenario/result.js';
import { startServer } from '../helpers/server-process.js';
import { requireTool } from '../helpers/tools.js';

/** End-to-end: `npm run scenario` (dist/cli/scenario.js) with real server and client processes. */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCENARIO_BIN = join(ROOT, 'dist/cli/scenario.js');
const FIXTURES = 'test/scenario/fixtures';

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'chatmsg-scenario-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

function scenario(args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [SCENARIO_BIN, ...args, ...(args.includes('--list') ? [] : ['--out', out])], {
    cwd: ROOT,
    reject: false,
    stdin: 'ignore',
    env,
    timeout: 60_000,
  });
}

/** The evidence folder a run printed on its last line. */
function evidenceDir(stdout: string): string {
  const match = /^evidence: (.+)\/ \(/m.exec(stdout);
  if (!match) throw new Error(`no evidence line in:\n${stdout}`);
  return match[1]!;
}

async function readResult(dir: string): Promise<ScenarioResult> {
  return JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')) as ScenarioResult;
}

const capture = await requireTool('tcpdump', 'root');

/**
 * The scenario CLI as one file in `dir`, for a user who may not enter this clone's folder (a clone in a
 * `mktemp -d` folder is root's alone): esbuild inlines its imports, execa included.
 */
async function scenarioCliIn(dir: string): Promise<string> {
  const outfile = join(dir, 'scenario.mjs');
  // execa's CommonJS dependencies require() built-ins: give the ES module bundle a require.
  const banner = { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" };
  await build({ absWorkingDir: ROOT, entryPoints: ['src/cli/scenario.ts'], outfile, bundle: true, platform: 'node', format: 'esm', banner, logLevel: 'warning' });
  return outfile;
}

const shipped = (await readdir(join(ROOT, 'scenarios'))).filter((f) => f.endsWith('.scenario')).map((f) => f.replace(/\.scenario$/, ''));

describe('shipped scenarios', () => {
  it('are the four the lab asks for, at least', () => {
    expect(shipped).toEqual(expect.arrayContaining(['basic', 'broadcast5', 'errors', 'presence']));
  });

  it.each(shipped)('%s passes and leaves its evidence', async (name) => {
    const run = await scenario([name]);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^PASS ${name}: (\\d+)/\\1 steps passed`, 'm'));
    const dir = evidenceDir(run.stdout);
    expect(dir).toMatch(new RegExp(`/${name}-\\d{8}T\\d{6}Z(-\\d+)?$`));
    const result = await readResult(dir);
    expect(result).toMatchObject({ scenario: name, passed: true });
    expect(result.steps.every((step) => step.status === 'pass')).toBe(true);
    const files = await readdir(dir);
    for (const client of Object.keys(result.clients)) expect(files).toContain(`client-${client}.log`);
    expect(files).toEqual(expect.arrayContaining(['server.log', 'result.json', 'summary.md']));
    expect(await readFile(join(dir, 'server.log'), 'utf8')).toMatch(/listening on 127\.0\.0\.1:\d+/);
    expect(await readFile(join(dir, 'summary.md'), 'utf8')).toContain(`# Scenario \`${name}\`: PASS`);
  });

  it('broadcast5 sends through the barrier and reports the spread of the five sends', async () => {
    const run = await scenario(['broadcast5']);
    const result = await readResult(evidenceDir(run.stdout));
    const together = result.steps.find((step) => step.kind === 'together');
    expect(together).toMatchObject({ status: 'pass', detail: expect.stringMatching(/^5 lines written in [\d.]+ ms/) });
    expect(together!.spreadMs).toBeGreaterThanOrEqual(0);
    const transcript = await readFile(join(evidenceDir(run.stdout), 'client-alice.log'), 'utf8');
    expect(transcript).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} > MSG ALL hello from alice$/m);
    expect(transcript).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} < OK MSG ALL 4$/m);
  });
});

describe('client options in a scenario', () => {
  it('the client: header reaches every client, connect options one client', async () => {
    const run = await scenario([`${FIXTURES}/client-options.scenario`]);
    expect(run.exitCode, run.stdout).toBe(0);
    const bob = await readFile(join(evidenceDir(run.stdout), 'client-bob.log'), 'utf8');
    expect(bob).toMatch(/> LOGIN bob\n[^]*> LIST\n/);
  });
});

describe('failing scenarios', () => {
  it('a wrong expectation names the step, the client, what was expected and what came', async () => {
    const run = await scenario([`${FIXTURES}/broken.scenario`]);
    expect(run.exitCode).toBe(1);
    const report = [
      `FAIL at ${FIXTURES}/broken.scenario:8: alice< OK MSG robert`,
      '  client:   alice',
      '  expected: OK MSG robert',
      '  got:      ERR 404 no client with that id is online: robert',
    ].join('\n');
    expect(run.stdout).toContain(report);
    expect(run.stdout).toMatch(/^FAIL broken: 5\/8 steps passed/m);
    const dir = evidenceDir(run.stdout);
    const result = await readResult(dir);
    expect(result.passed).toBe(false);
    expect(result.failure).toMatchObject({ where: `${FIXTURES}/broken.scenario:8`, client: 'alice', expected: 'OK MSG robert', got: expect.stringMatching(/^ERR 404 /) });
    expect(result.steps.slice(-2).map((step) => step.status)).toEqual(['not-run', 'not-run']);
    expect(await readFile(join(dir, 'summary.md'), 'utf8')).toContain(report);
  });

  it('a line that never comes fails after the timeout, saying nothing came', async () => {
    const run = await scenario([`${FIXTURES}/silent.scenario`]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(`FAIL at ${FIXTURES}/silent.scenario:8: alice< JOINED bob\n  client:   alice\n  expected: JOINED bob\n  got:      nothing within 300ms`);
  });

  it('a syntax error stops before anything runs, with file:line and exit 2', async () => {
    const run = await scenario([`${FIXTURES}/bad-syntax.scenario`]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`chatmsg-scenario: ${FIXTURES}/bad-syntax.scenario:6: unknown client "alcie" (clients: alice)`);
    expect(run.stdout).toBe('');
  });

  it('a server that cannot start is one clear line on stderr and exit 1, after the scenario line', async () => {
    const file = join(out, 'bad-server.scenario');
    await writeFile(file, 'description: the server refuses its options\nclients: alice\nserver: --no-such-option\nalice> PING\nalice< PONG\n');
    const run = await scenario([file]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe('scenario bad-server: the server refuses its options');
    expect(run.stderr).toMatch(/^chatmsg-scenario: could not start the server: the server exited \(code 2\) before listening:\n[^]*no-such-option/);
  });

  it('an unknown scenario or a bad option is a usage error', async () => {
    const unknown = await scenario(['no-such-scenario']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/^chatmsg-scenario: no scenario "no-such-scenario" \(.*scenarios\/no-such-scenario\.scenario does not exist; see --list\)/);
    const badServer = await scenario(['basic', '--server', 'localhost']);
    expect(badServer.exitCode).toBe(2);
    expect(badServer.stderr).toMatch(/^chatmsg-scenario: bad --server "localhost": expected host:port/);
  });
});

describe('scenario command options', () => {
  it('--list names every scenario with its description', async () => {
    const run = await scenario(['--list']);
    expect(run.exitCode).toBe(0);
    const names = run.stdout.split('\n').map((line) => line.split(/\s+/)[0]);
    expect(names).toEqual(shipped);
    expect(run.stdout).toMatch(/^basic +every service once/m);
  });

  it('--verbose shows every client line as it comes', async () => {
    const run = await scenario(['basic', '--verbose']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^ +alice \| \d{2}:\d{2}:\d{2}\.\d{3} < OK LOGIN alice$/m);
    expect(run.stdout).toMatch(/^ +bob +\| \d{2}:\d{2}:\d{2}\.\d{3} > login bob$/m);
  });

  it('--server runs against a server that is already running', async () => {
    const server = await startServer();
    try {
      const run = await scenario(['basic', '--server', `127.0.0.1:${server.port}`]);
      expect(run.exitCode, run.stdout).toBe(0);
      expect(server.log()).toContain('LOGIN alice');
      expect(await readFile(join(evidenceDir(run.stdout), 'server.log'), 'utf8')).toContain('not started by this run');
    } finally {
      await server.stop();
    }
  });

  it.skipIf(capture.skip)(capture.title('--capture records the scenario traffic in a pcap'), async () => {
    const run = await scenario(['basic', '--capture']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const dir = evidenceDir(run.stdout);
    const port = /^server: 127\.0\.0\.1:(\d+)/m.exec(run.stdout)![1];
    const dump = await execa('tcpdump', ['-r', join(dir, 'traffic.pcap'), '-n', '-A'], { reject: false });
    expect(dump.exitCode, dump.stderr).toBe(0);
    // Every packet is on the server port; the first is alice's SYN, the protocol lines are in the payloads.
    const packets = dump.stdout.split('\n').filter((line) => /^\d{2}:\d{2}:\d{2}\.\d+ IP /.test(line));
    expect(packets.length).toBeGreaterThan(20);
    for (const packet of packets) expect(packet).toContain(`.${port}`);
    expect(packets[0]).toMatch(/Flags \[S\]/);
    for (const line of ['LOGIN alice', 'OK MSG ALL 1', 'OK LOGOFF alice']) expect(dump.stdout).toContain(line);
    expect(await readFile(join(dir, 'summary.md'), 'utf8')).toMatch(/capture: `traffic\.pcap` \(\d+ packets captured\)/);
  });

  it.skipIf(capture.skip)(capture.title('--capture without the permission to capture fails loudly, saying how to fix it'), async () => {
    // As nobody, from a folder nobody may enter, against a server this test started: the run stops at the capture.
    const shared = await mkdtemp(join(tmpdir(), 'chatmsg-nobody-'));
    const server = await startServer();
    try {
      await chmod(shared, 0o755);
      const cli = await scenarioCliIn(shared);
      const basic = join(shared, 'basic.scenario');
      await copyFile(join(ROOT, 'scenarios/basic.scenario'), basic);
      const out = join(shared, 'out');
      await execa('install', ['-d', '-o', 'nobody', out]);
      const args = [process.execPath, cli, basic, '--server', `127.0.0.1:${server.port}`, '--capture', '--out', out];
      const run = await execa('runuser', ['-u', 'nobody', '--', ...args], { cwd: shared, reject: false, stdin: 'ignore' });
      expect(run.stderr).toMatch(/^chatmsg-scenario: --capture: tcpdump may not capture on lo: run as root, or allow it once with: sudo setcap [^\n]+$/);
      expect(run.exitCode).toBe(1);
    } finally {
      await server.stop();
      await rm(shared, { recursive: true, force: true });
    }
  });

  it('--capture without tcpdump, dumpcap or tshark fails loudly instead of skipping the capture', async () => {
    // A PATH where no capture program can be found.
    const run = await scenario(['basic', '--capture'], { PATH: out });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('chatmsg-scenario: --capture: --capture needs a capture program (looked for tcpdump, dumpcap, tshark): install tcpdump (Debian/Ubuntu: sudo apt-get install tcpdump)');
  });
});
