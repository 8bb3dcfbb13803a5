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

export default async function setup(): Promise<() => Promise<void>> {
  const outer = process.env['TMPDIR'];
  const dir = await mkdtemp(join(tmpdir(), 'chatmsg-test-run-'));
  // Like /tmp itself: tests that run a process as another user (nobody) make folders in it.
  await chmod(dir, 0o1777);
  process.env['TMPDIR'] = dir;
  return async () => {
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
