import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { runConformance, type RunReport } from '../../src/conformance/index.js';
import { startBrokenServer, type BrokenServer } from '../fixtures/broken-server.js';
import { startServer, type RunningServer } from '../helpers/server-process.js';

const CONFORMANCE_BIN = fileURLToPath(new URL('../../dist/cli/conformance.js', import.meta.url));

/** The checks the planted bugs must trip, and only these (sorted by name). */
const EXPECTED_FAILURES = [
  // Bug 1: the broadcast comes back to its sender.
  'broadcast/alone',
  'broadcast/deliver-and-count',
  'broadcast/no-echo',
  'broadcast/not-to-anonymous',
  // Bug 4: a MSG to oneself comes after its OK MSG.
  'direct/to-self',
  // Bug 2: an id that is online (in any case) and a second LOGIN are accepted.
  'errors/409-already-logged-in',
  'errors/409-duplicate-id',
  'errors/409-duplicate-id-other-case',
  // Bug 5: ERR 413 only once the over-long line has ended.
  'framing/413-before-lf',
  // Bug 6: LOGIN trims a space after the id.
  'login/id-trailing-space',
  // Bug 3: no max-queue, a client that never reads is never dropped.
  'robustness/slow-reader',
];

describe('conformance run against a deliberately broken server', () => {
  let server: RunningServer;
  let broken: BrokenServer;
  let report: RunReport;

  beforeAll(async () => {
    server = await startServer(['--rate-limit', '0']);
    broken = await startBrokenServer(server);
    // The proxy and the checker share this test process: a smaller crowd keeps it quick under load.
    report = await runConformance({ target: broken, limits: { connections: 50 } });
  }, 120_000);

  afterAll(async () => {
    await broken?.close();
    await server?.stop();
  });

  it('fails exactly the checks that match the planted bugs', () => {
    const failed = report.results.filter((result) => result.status === 'FAIL');
    const unexpected = failed.filter((result) => !EXPECTED_FAILURES.includes(result.name));
    expect(unexpected.map((result) => `${result.name}: ${JSON.stringify(result.failure)}`)).toEqual([]);
    expect(failed.map((result) => result.name).sort()).toEqual(EXPECTED_FAILURES);
  });

  it('passes every other check (the opt-in limit checks skip)', () => {
    const others = report.results.filter((result) => !EXPECTED_FAILURES.includes(result.name));
    const skipped = [
      'errors/408-login-timeout SKIP',
      'errors/408-deadline-from-connect SKIP',
      'errors/429-rate-limited SKIP',
      'errors/429-burst-starts-full SKIP',
      'errors/429-one-per-request SKIP',
      'errors/503-server-full SKIP',
    ];
    expect(others.filter((result) => result.status !== 'PASS').map((result) => `${result.name} ${result.status}`)).toEqual(skipped);
    expect(report.summary).toEqual({ passed: others.length - skipped.length, failed: EXPECTED_FAILURES.length, skipped: skipped.length });
  });

  it('through the CLI: FAIL rows with details, the summary, exit 1, failures in the JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'conformance-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const json = join(dir, 'grades.json');
    const result = await execa('node', [CONFORMANCE_BIN, `127.0.0.1:${broken.port}`, '--only', 'broadcast,ping', '--skip', 'ping', '--json', json], {
      reject: false,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^FAIL {4}broadcast\/no-echo .*\n {6}sent: {5}alice > "LOGIN alice\.\w+\\n"\n/m);
    expect(result.stdout).toMatch(/^ {6}expected: nothing more at alice within 300 ms\n {6}got: {6}alice < "MSG alice\.\w+ ALL echo\?"$/m);
    expect(result.stdout.split('\n').at(-1)).toBe('1 passed, 4 failed, 0 skipped');
    const sheet = JSON.parse(await readFile(json, 'utf8')) as RunReport;
    expect(sheet.summary).toEqual({ passed: 1, failed: 4, skipped: 0 });
    expect(sheet.results.find((row) => row.name === 'broadcast/no-echo')).toEqual({
      name: 'broadcast/no-echo',
      group: 'broadcast',
      title: expect.any(String),
      status: 'FAIL',
      ms: expect.any(Number),
      failure: { sent: expect.any(Array), expected: expect.stringMatching(/^nothing more at alice/), got: expect.stringMatching(/ALL echo\?/) },
    });
  });

  it('says what was sent, what was expected and what came back', () => {
    const byName = new Map(report.results.map((result) => [result.name, result]));
    const echo = byName.get('broadcast/no-echo')!.failure!;
    expect(echo.sent.at(-1)).toMatch(/^alice > "MSG ALL echo\?\\n"$/);
    expect(echo.expected).toMatch(/^nothing more at alice within \d+ ms$/);
    expect(echo.got).toMatch(/^alice < "MSG alice\.\w+ ALL echo\?"$/);

    const duplicate = byName.get('errors/409-duplicate-id-other-case')!.failure!;
    expect(duplicate.sent.at(-1)).toMatch(/^bob > "LOGIN alice\.\w+\\n"$/);
    expect(duplicate.expected).toBe('bob < "ERR 409 <reason>"');
    expect(duplicate.got).toMatch(/^bob < "OK LOGIN alice\.\w+"$/);

    const self = byName.get('direct/to-self')!.failure!;
    expect(self.expected).toMatch(/^alice < "MSG (alice\.\w+) \1 note to self"$/);
    expect(self.got).toMatch(/^alice < "OK MSG alice\.\w+"$/);

    const early = byName.get('framing/413-before-lf')!.failure!;
    expect(early.expected).toBe('alice < "ERR 413 <reason>"');
    expect(early.got).toMatch(/^alice: nothing within \d+ ms$/);

    const slow = byName.get('robustness/slow-reader')!.failure!;
    expect(slow.expected).toMatch(/^LEFT slow\.\w+ once its unsent output passed max-queue \(1048576 bytes\)$/);
    expect(slow.got).toMatch(/^still online after \d+ bytes sent to it/);
  });
});
