import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ALL_CHECKS, runConformance, type RunReport } from '../../src/conformance/index.js';
import { startServer, type RunningServer } from '../helpers/server-process.js';

const CONFORMANCE_BIN = fileURLToPath(new URL('../../dist/cli/conformance.js', import.meta.url));

/**
 * Our server with small limits, and the checker told the same, so that the limit checks
 * (408, 429, 503, slow reader) are provoked for real and every check runs.
 */
const LIMITS = { maxClients: 400, loginTimeoutSeconds: 2, rateLimit: 50, maxQueue: 65536, connections: 300 };
const SERVER_ARGS = ['--max-clients', '400', '--login-timeout', '2', '--rate-limit', '50', '--max-queue', '65536'];
const CHECKER_ARGS = ['--max-clients', '400', '--login-timeout', '2', '--rate-limit', '50', '--max-queue', '65536'];

/** FAIL rows of the CLI's table with their detail lines, so an assertion shows what went wrong. */
function failedRows(stdout: string): string[] {
  return stdout.split(/\n(?=\S)/).filter((row) => row.startsWith('FAIL'));
}

function notPassed(report: RunReport): string[] {
  return report.results.filter((result) => result.status !== 'PASS').map((result) => `${result.name} ${result.status}: ${JSON.stringify(result.failure ?? result.skipReason)}`);
}

describe('conformance suite against our own server (the protocol integration tests)', () => {
  let server: RunningServer;
  let dir: string;

  beforeAll(async () => {
    server = await startServer(SERVER_ARGS);
    dir = await mkdtemp(join(tmpdir(), 'conformance-'));
  });

  afterEach(() => {
    // If the server died, its log says why (a crash is a server bug the suite must show).
    expect(server.process.exitCode, server.log().slice(-3000)).toBeNull();
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes every check, run through the library', async () => {
    const report = await runConformance({ target: server, limits: LIMITS });
    expect(notPassed(report)).toEqual([]);
    expect(report.results.map((result) => result.name)).toEqual(ALL_CHECKS.map((check) => check.name));
    expect(report.summary).toEqual({ passed: ALL_CHECKS.length, failed: 0, skipped: 0 });
  }, 180_000);

  it('passes every check through the CLI, exit 0, with a table, a summary line and a JSON grade sheet', async () => {
    const json = join(dir, 'grades.json');
    const result = await execa('node', [CONFORMANCE_BIN, `${server.host}:${server.port}`, ...CHECKER_ARGS, '--json', json], { reject: false });
    expect(failedRows(result.stdout)).toEqual([]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`CHAT-MSG/1 conformance of 127.0.0.1:${server.port}: ${ALL_CHECKS.length} of ${ALL_CHECKS.length} checks`);
    expect(result.stdout).toContain(`Load it will put on 127.0.0.1:${server.port} (each bounded, one after another):`);
    expect(result.stdout).toContain('  - slow-reader: 1 client stops reading, up to 16 clients send it max-line messages');
    expect(lines.filter((line) => /^PASS {4}\S+/.test(line))).toHaveLength(ALL_CHECKS.length);
    expect(lines.at(-1)).toBe(`${ALL_CHECKS.length} passed, 0 failed, 0 skipped`);

    const sheet = JSON.parse(await readFile(json, 'utf8')) as RunReport;
    expect(sheet.target).toBe(`127.0.0.1:${server.port}`);
    expect(sheet.summary).toEqual({ passed: ALL_CHECKS.length, failed: 0, skipped: 0 });
    expect(sheet.limits).toMatchObject(LIMITS);
    expect(sheet.results[0]).toEqual({ name: 'greeting/hello', group: 'greeting', title: expect.any(String), status: 'PASS', ms: expect.any(Number) });
  }, 180_000);

  it('--only runs just the named groups', async () => {
    const result = await execa('node', [CONFORMANCE_BIN, `127.0.0.1:${server.port}`, '--only', 'ping,help'], { reject: false });
    expect(result.exitCode).toBe(0);
    const rows = result.stdout.split('\n').filter((line) => /^(PASS|FAIL|SKIP) {4}/.test(line));
    const names = ALL_CHECKS.filter((check) => check.group === 'ping' || check.group === 'help').map((check) => check.name);
    expect(rows.map((row) => row.split(/\s+/)[1])).toEqual(names);
    expect(result.stdout).not.toContain('Load it will put');
    expect(result.stdout.split('\n').at(-1)).toBe(`${names.length} passed, 0 failed, 0 skipped`);
  });

  it('without the limit options the limit checks are skipped with a reason, and that still exits 0', async () => {
    const result = await execa('node', [CONFORMANCE_BIN, `127.0.0.1:${server.port}`, '--only', 'errors'], { reject: false });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^SKIP {4}errors\/408-login-timeout .*\n\s+skipped: needs --login-timeout S/m);
    expect(result.stdout).toMatch(/^SKIP {4}errors\/408-deadline-from-connect .*\n\s+skipped: needs --login-timeout S/m);
    for (const name of ['429-rate-limited', '429-burst-starts-full', '429-one-per-request']) {
      expect(result.stdout).toMatch(new RegExp(`^SKIP {4}errors/${name} .*\\n\\s+skipped: needs --rate-limit N`, 'm'));
    }
    expect(result.stdout).toMatch(/^SKIP {4}errors\/503-server-full /m);
    expect(result.stdout).toMatch(/ passed, 0 failed, 6 skipped$/);
  });
});
