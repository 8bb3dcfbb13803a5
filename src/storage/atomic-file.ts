import { open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `path` with `data` so that a crash at any moment leaves either the old file or the
 * new one, never a mix: write a temporary file in the same directory, fsync it, rename it over
 * the target (atomic on POSIX), then fsync the directory so the rename itself is durable.
 */
export async function writeFileAtomic(path: string, data: string | Buffer, mode = 0o600): Promise<void> {
  await writeChunksAtomic(path, [data], mode);
}

/**
 * writeFileAtomic for content made piece by piece: each chunk is written (and the next one
 * made) only after the previous write finished, so a large file never blocks the event loop
 * for longer than one chunk takes to make.
 */
export async function writeChunksAtomic(path: string, chunks: Iterable<string | Buffer>, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  // One temporary per process: two writers of the same file in one process are serialised by the caller.
  const temp = join(dir, `${TEMPORARY.prefix(path)}${process.pid}${TEMPORARY.suffix}`);
  const file = await open(temp, 'w', mode);
  try {
    for (const chunk of chunks) await file.writeFile(chunk);
    await file.sync();
  } catch (error) {
    await file.close();
    await unlink(temp).catch(() => {});
    throw error;
  }
  await file.close();
  await rename(temp, path);
  await syncDirectory(dir);
}

/** Temporaries are hidden siblings: `.<name>.<pid>.tmp`. */
const TEMPORARY = {
  prefix: (path: string) => `.${basename(path)}.`,
  suffix: '.tmp',
} as const;

/**
 * Removes temporaries of `path` left by writers that were killed mid-write (the target
 * itself is intact: the rename never happened). Call before the first write of a process.
 */
export async function removeStaleTemporaries(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = TEMPORARY.prefix(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const stale = names.filter((name) => name.startsWith(prefix) && name.endsWith(TEMPORARY.suffix));
  await Promise.all(stale.map((name) => unlink(join(dir, name)).catch(() => {})));
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Runs async jobs one after another (the next starts when the previous settled), so writes of
 * one file never overlap and the last one to start is the last one on disk.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(job, job);
    this.#tail = result.catch(() => {});
    return result;
  }
}

/** The file's text, or undefined when it does not exist (other errors propagate). */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
