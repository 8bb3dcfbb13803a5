/**
 * `npm test` on a machine with only Node.js: test files that need outside tools, run by a real vitest
 * with every tool of test/helpers/tools.ts hidden from PATH, and as nobody when we are root and
 * nobody may read this clone (else as ourselves). They pass, name what they skip and why, and end
 * with one summary; with CI=true the same run fails.
 */
import { execa } from 'execa';
import { chmod, readdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SUMMARY_HEADING, SILENT_HEADING } from './skip-summary.js';
import { LEFTOVERS_HEADING } from './temp-guard.js';
import { makeTempDir } from './temp-dir.js';
import { TOOLS } from './tools.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');
/** One file per kind of tool, each with tests that need nothing. */
const FILES = [
  'test/infra/shellcheck.test.ts',
  'test/infra/cloud-init.test.ts',
  'test/wireshark/dissector.test.ts',
  'test/analyze/header-bytes.test.ts',
  'test/lab/doctor.test.ts',
];
const EXPECTED = [TOOLS.shellcheck, TOOLS['cloud-init'], TOOLS.tshark, TOOLS.tcpdump, TOOLS.docker];
/** Every tool the suite knows, and the programs that come with them. */
const HIDDEN = new Set([...Object.keys(TOOLS), 'dumpcap', 'dockerd', 'systemd-analyze', 'chromium', 'pdftoppm', 'pdftotext']);

/** A folder of links to every program on PATH but the hidden ones: this machine without its tools. */
async function barePath(): Promise<string> {
  const bin = await makeTempDir('chatmsg-bare-path-');
  await chmod(bin, 0o755);
  const linked = new Set<string>();
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const names = await readdir(dir).catch(() => []);
    for (const name of names) {
      if (HIDDEN.has(name) || linked.has(name)) continue;
      linked.add(name);
      await symlink(join(dir, name), join(bin, name));
    }
  }
  return bin;
}

/** nobody, when we are root and nobody may read the clone (not so in a `mktemp -d` folder of root's). */
async function otherUser(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const probe = await execa('runuser', ['-u', 'nobody', '--', 'test', '-r', VITEST], { reject: false });
  return probe.exitCode === 0 ? 'nobody' : undefined;
}

const bin = await barePath();
const user = await otherUser();
const asRoot = user === undefined && process.getuid?.() === 0;

async function bareRun(env: Record<string, string>) {
  const home = await makeTempDir('chatmsg-bare-home-');
  await chmod(home, 0o777);
  // The verbose reporter names every skipped test; the config's own reporters are replaced by these two.
  const args = [VITEST, 'run', '--configLoader', 'runner', '--reporter=verbose', '--reporter=./test/helpers/skip-summary.ts', ...FILES];
  const command = user === undefined ? [process.execPath, ...args] : ['runuser', '-u', user, '--', process.execPath, ...args];
  return execa(command[0]!, command.slice(1), {
    cwd: ROOT,
    env: { PATH: bin, HOME: home, TMPDIR: tmpdir(), NO_COLOR: '1', ...env },
    extendEnv: false,
    reject: false,
    all: true,
    timeout: 180_000,
  });
}

describe(`npm test with the outside tools hidden from PATH${user ? `, as ${user}` : ''}`, () => {
  it('passes, names each skipped test with its reason and ends with one summary of what to install', { timeout: 200_000 }, async () => {
    const run = await bareRun({});
    const output = String(run.all);
    expect(run.exitCode, output).toBe(0);
    expect(output).toMatch(/✓ .*finds the scripts/);
    expect(output).toMatch(/↓ .*\.sh passes \(skipped: shellcheck not installed\)/);
    expect(output).toMatch(/↓ .*passes cloud-init schema \(skipped: cloud-init not installed\)/);
    expect(output).toMatch(/↓ .*npm run doctor with a Docker engine \(skipped: no Docker engine answers\)/);
    expect(output.split(SUMMARY_HEADING)).toHaveLength(2);
    const summary = output.slice(output.indexOf(SUMMARY_HEADING));
    for (const tool of asRoot ? EXPECTED : [...EXPECTED, TOOLS.root]) {
      expect(summary).toContain(`  ${tool.missing}: `);
      expect(summary).toContain(`get it: ${tool.install}`);
    }
    expect(output).not.toContain(SILENT_HEADING);
    expect(output).not.toContain(LEFTOVERS_HEADING);
  });

  it('with CI=true fails instead, saying what is missing', { timeout: 200_000 }, async () => {
    const run = await bareRun({ CI: 'true' });
    const output = String(run.all);
    expect(run.exitCode, output).not.toBe(0);
    expect(output).toContain('CI=true needs every tool, but: shellcheck not installed. Install: sudo apt-get install shellcheck');
    expect(output).toContain('CI=true needs every tool, but: tshark not installed');
    expect(output).not.toContain(SUMMARY_HEADING);
  });
});
