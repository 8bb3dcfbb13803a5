import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance, type RunReport } from '../../src/conformance/index.js';
import { startBrokenServer, type BrokenServer } from '../fixtures/broken-server.js';
import { startServer, type RunningServer } from '../helpers/server-process.js';

/** The checks the three planted bugs must trip, and only these. */
const EXPECTED_FAILURES = [
  // Bug 1: the broadcast comes back to its sender.
  'broadcast/alone',
  'broadcast/deliver-and-count',
  'broadcast/no-echo',
  'broadcast/not-to-anonymous',
  // Bug 2: an id that is online (in any case) and a second LOGIN are accepted.
  'errors/409-already-logged-in',
  'errors/409-duplicate-id',
  'errors/409-duplicate-id-other-case',
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
    expect(others.filter((result) => result.status !== 'PASS').map((result) => `${result.name} ${result.status}`)).toEqual([
      'errors/408-login-timeout SKIP',
      'errors/429-rate-limited SKIP',
      'errors/503-server-full SKIP',
    ]);
    expect(report.summary).toEqual({ passed: others.length - 3, failed: EXPECTED_FAILURES.length, skipped: 3 });
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

    const slow = byName.get('robustness/slow-reader')!.failure!;
    expect(slow.expected).toMatch(/^LEFT slow\.\w+ once its unsent output passed max-queue \(1048576 bytes\)$/);
    expect(slow.got).toMatch(/^still online after \d+ bytes sent to it/);
  });
});
