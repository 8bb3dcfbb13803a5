/**
 * Temporary folders that clean themselves up: `await makeTempDir('chatmsg-x-')` makes a fresh folder under
 * os.tmpdir(), and every folder made this way is removed after its test file (the afterAll hook is
 * registered for every file by test/helpers/remove-temp-dirs.ts, a vitest setup file). For helpers that
 * hand out folders without knowing when the test is done with them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

const made = new Set<string>();

export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes every folder makeTempDir made so far. */
export async function removeTempDirs(): Promise<void> {
  const dirs = [...made];
  made.clear();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}

/** A fresh temporary directory for each test of the file, removed after it; call at top level. */
export function tempDirEach(prefix: string): { path(name: string): string; readonly dir: string } {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return {
    path: (name) => join(dir, name),
    get dir() {
      return dir;
    },
  };
}
