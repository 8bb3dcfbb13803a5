/**
 * vitest globalSetup: the run gets a temporary folder of its own (TMPDIR, which the test workers, the
 * processes they start and os.tmpdir() all follow), and after the run that folder must be empty again.
 * Whatever a test left there is listed and fails the run, then removed: every test cleans up what it makes.
 * A folder of its own, not a before/after listing of the system's: other runs on the machine write there too.
 */
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const LEFTOVERS_HEADING = 'Left behind in the temporary folder';

/**
 * Set while a guard holds the run's folder: each vitest project runs the global setup, one guard is
 * enough. On globalThis of vitest's own process (not in the environment, which the test workers
 * inherit: a test of this guard must get a guard of its own).
 */
const GUARDED = Symbol.for('chatmsg.test-run-tmpdir');
const run = globalThis as { [GUARDED]?: string };

export default async function setup(): Promise<() => Promise<void>> {
  if (run[GUARDED] !== undefined) return async () => {};
  const outer = process.env['TMPDIR'];
  const dir = await mkdtemp(join(tmpdir(), 'chatmsg-test-run-'));
  // Like /tmp itself: tests that run a process as another user (nobody) make folders in it.
  await chmod(dir, 0o1777);
  process.env['TMPDIR'] = dir;
  run[GUARDED] = dir;
  return async () => {
    delete run[GUARDED];
    if (outer === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = outer;
    const left = (await readdir(dir)).sort();
    await rm(dir, { recursive: true, force: true });
    if (left.length > 0) {
      console.error(`\n${LEFTOVERS_HEADING} by this run (now removed; the tests that made them must remove them):\n${left.map((name) => `  ${name}`).join('\n')}\n`);
      process.exitCode = 1;
    }
  };
}
