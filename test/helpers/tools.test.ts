import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from './temp-dir.js';
import { onPath, requireTool, TOOLS } from './tools.js';

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

describe('scripts/setup-machine.sh, which .ci/run runs before CI=true npm test', () => {
  it('installs every package a skipped test tells people to install', async () => {
    const script = await readFile(new URL('../../scripts/setup-machine.sh', import.meta.url), 'utf8');
    const installed = [...script.matchAll(/^(?:packages=\(|for pkg in )([^)\n;]+)/gm)].flatMap((match) => match[1]!.split(' '));
    const asked = Object.values(TOOLS).flatMap((tool) => /^sudo apt-get install (\S+)$/.exec(tool.install)?.[1] ?? []);
    expect(asked.length).toBeGreaterThan(5);
    for (const pkg of asked) expect(installed, pkg).toContain(pkg);
  });

  it('is what .ci/run runs, then the suite with CI=true', async () => {
    const run = await readFile(new URL('../../.ci/run', import.meta.url), 'utf8');
    expect(run).toMatch(/^bash scripts\/setup-machine\.sh\n(.*\n)*CI=true npm test\n$/m);
  });
});
