import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from './temp-dir.js';
import { onPath, requireTool } from './tools.js';

const saved = { PATH: process.env['PATH'], CI: process.env['CI'] };
afterEach(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

/** A PATH of one folder holding an executable `tshark` and a `tcpdump` that may not be run. */
async function fakePath(): Promise<string> {
  const dir = await makeTempDir('chatmsg-tools-');
  await writeFile(join(dir, 'tshark'), '#!/bin/sh\n', { mode: 0o755 });
  await writeFile(join(dir, 'tcpdump'), '');
  await chmod(join(dir, 'tcpdump'), 0o644);
  return dir;
}

describe('requireTool', () => {
  it('finds only executables on PATH', async () => {
    const dir = await fakePath();
    expect(onPath('tshark', dir)).toBe(true);
    expect(onPath('tcpdump', dir)).toBe(false);
    expect(onPath('shellcheck', dir)).toBe(false);
  });

  it('runs the test when every tool is there, with its title unchanged', async () => {
    process.env['PATH'] = await fakePath();
    delete process.env['CI'];
    const check = await requireTool('tshark');
    expect(check.skip).toBe(false);
    expect(check.title('dissects')).toBe('dissects');
  });

  it('skips with every missing tool named in the title', async () => {
    process.env['PATH'] = await fakePath();
    delete process.env['CI'];
    const check = await requireTool('tshark', 'tcpdump', 'shellcheck');
    expect(check.skip).toBe(true);
    expect(check.title('lints')).toBe('lints (skipped: tcpdump not installed, shellcheck not installed)');
  });

  it('throws under CI=true, with the command that installs the tool', async () => {
    process.env['PATH'] = await fakePath();
    process.env['CI'] = 'true';
    await expect(requireTool('tshark', 'tcpdump')).rejects.toThrow(
      'CI=true needs every tool, but: tcpdump not installed. Install: sudo apt-get install tcpdump',
    );
  });
});
