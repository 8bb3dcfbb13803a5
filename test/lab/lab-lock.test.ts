import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { acquireLabLock } from '../../src/lab/lab-lock.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const LAB_LOCK = fileURLToPath(new URL('../../dist/lab/lab-lock.js', import.meta.url));
const lockPath = async () => join(await makeTempDir('lab-lock-'), 'lock');

describe('lab lock', () => {
  it('lets one holder in, makes the next wait and say who holds it, then lets it in after release', async () => {
    const dir = await lockPath();
    const release = await acquireLabLock(1000, () => {}, dir);
    const waits: number[] = [];
    await expect(acquireLabLock(1200, (pid) => waits.push(pid), dir)).rejects.toThrow(`another lab run (pid ${process.pid})`);
    expect(waits).toEqual([process.pid]);
    await release();
    const again = await acquireLabLock(1000, () => {}, dir);
    await again();
  });

  it('lets a process the holder started run under its lock, and keeps the lock when that process ends', async () => {
    const dir = await lockPath();
    const release = await acquireLabLock(1000, () => {}, dir);
    const tryLock = `
      const { acquireLabLock } = await import(${JSON.stringify(LAB_LOCK)});
      const release = await acquireLabLock(500, (pid) => console.log('waits for ' + pid), ${JSON.stringify(dir)});
      await release();
      console.log('in');`;
    try {
      // A child: gets in at once, and its release leaves the parent's lock in place.
      const child = await execa('node', ['--input-type=module', '-e', tryLock], { reject: false, all: true });
      expect(child.all).toMatch(/^in$/m);
      expect(child.all).not.toContain('waits for');
      expect(existsSync(join(dir, 'pid'))).toBe(true);
      // A grandchild (started through a shell) is not the holder's own run: it waits, then gives up.
      const grandchild = await execa('sh', ['-c', 'node --input-type=module -e "$0"; exit $?', tryLock], { reject: false, all: true });
      expect(grandchild.all).toContain(`waits for ${process.pid}`);
      expect(grandchild.all).not.toMatch(/^in$/m);
      expect(grandchild.exitCode).not.toBe(0);
    } finally {
      await release();
    }
  });

  it('takes over a lock whose owner has died', async () => {
    const dir = await lockPath();
    const dead = await execa('node', ['-e', 'console.log(process.pid)']);
    await mkdir(dir);
    await writeFile(join(dir, 'pid'), `${dead.stdout}\n`);
    const waits: number[] = [];
    const release = await acquireLabLock(1000, (pid) => waits.push(pid), dir);
    expect(waits).toEqual([]);
    await release();
  });

  it('is one lock for the machine, whatever TMPDIR a run has (the suite gives each run its own)', async () => {
    const lockOf = async (tmp: string) =>
      (await execa(process.execPath, ['--input-type=module', '-e', `console.log((await import(${JSON.stringify(LAB_LOCK)})).LAB_LOCK_DIR)`], { env: { TMPDIR: tmp } })).stdout;
    const [one, other] = [await lockOf(await makeTempDir('lab-lock-tmp-')), await lockOf(await makeTempDir('lab-lock-tmp-'))];
    expect(one).toBe(other);
    expect(one).toMatch(/chatmsg-lab\.lock$/);
  });
});
