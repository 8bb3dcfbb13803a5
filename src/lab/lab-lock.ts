import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * One Docker lab at a time per machine: the lab has fixed addresses, a fixed bridge name and one
 * Compose project, so a second run would tear down the first. The lock is a folder (mkdir is
 * atomic) holding the owner's pid; a lock whose owner has died is taken over.
 * In /tmp itself, not os.tmpdir(): that follows TMPDIR, which differs between users and test runs
 * (the suite gives each run its own), while the Docker engine and its networks are the machine's.
 */
export const LAB_LOCK_DIR = join(process.platform === 'win32' ? tmpdir() : '/tmp', 'chatmsg-lab.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function owner(dir: string): Promise<number | undefined> {
  const text = await readFile(join(dir, 'pid'), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Waits until this process holds the lab lock (at most `timeoutMs`), calling `onWait` once
 * if another run holds it. Returns the release function; throws on timeout.
 */
export async function acquireLabLock(
  timeoutMs: number,
  onWait: (pid: number) => void,
  dir = LAB_LOCK_DIR,
): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      await mkdir(dir);
      await writeFile(join(dir, 'pid'), `${process.pid}\n`);
      return () => rm(dir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = await owner(dir);
    // A run the holder started itself runs under the holder's lock: the lab's tests hold it around
    // a whole sequence (another lab left behind, then `npm run compose`) so no other run sees half of it.
    if (pid !== undefined && pid === process.ppid) return async () => {};
    // No pid yet: the owner is between mkdir and writeFile, or died there; give it a moment.
    if (pid === undefined || !alive(pid)) {
      await sleep(pid === undefined ? 500 : 0);
      if ((await owner(dir)) === pid) await rm(dir, { recursive: true, force: true });
      continue;
    }
    if (!told) {
      onWait(pid);
      told = true;
    }
    if (Date.now() > deadline) throw new Error(`another lab run (pid ${pid}) still holds ${dir}`);
    await sleep(1000);
  }
}
