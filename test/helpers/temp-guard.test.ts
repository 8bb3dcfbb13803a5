import { mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import setup, { LEFTOVERS_HEADING } from './temp-guard.js';

const outer = process.env['TMPDIR'];
afterEach(() => {
  process.exitCode = undefined;
  if (outer === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = outer;
  vi.restoreAllMocks();
});

describe('the temporary folder guard (vitest globalSetup)', () => {
  it('gives the run a folder of its own and leaves nothing behind when the tests cleaned up', async () => {
    const teardown = await setup();
    const dir = tmpdir();
    expect(dir).not.toBe(outer);
    expect(dir.startsWith(outer ?? '/tmp')).toBe(true);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    await teardown();
    expect(errors).not.toHaveBeenCalled();
    expect(process.exitCode).toBeUndefined();
    expect(tmpdir()).toBe(outer);
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
  });

  it('names what a test left behind, fails the run and removes it', async () => {
    const teardown = await setup();
    const dir = tmpdir();
    await mkdir(join(dir, 'chatmsg-az-left'));
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    await teardown();
    expect(errors).toHaveBeenCalledWith(expect.stringContaining(`${LEFTOVERS_HEADING} by this run`));
    expect(errors).toHaveBeenCalledWith(expect.stringContaining('  chatmsg-az-left\n'));
    expect(process.exitCode).toBe(1);
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
  });
});
