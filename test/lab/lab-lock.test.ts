import { execa } from 'execa';
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
