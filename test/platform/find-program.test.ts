import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProgram } from '../../src/platform/find-program.js';
import { makeTempDir } from '../helpers/temp-dir.js';

async function program(dir: string, name: string, mode = 0o755): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFile(path, '#!/bin/sh\n');
  await chmod(path, mode);
  return path;
}

describe('findProgram', () => {
  it('finds the first name on PATH, then in the extra folders, and skips what is not executable', async () => {
    const root = await makeTempDir('chatmsg-find-');
    const [a, b, sbin] = ['a', 'b', 'sbin'].map((d) => join(root, d)) as [string, string, string];
    await program(a, 'tool', 0o644);
    const inB = await program(b, 'tool');
    const inSbin = await program(sbin, 'daemon');
    const env = { PATH: [a, '', b].join(delimiter) };
    expect(findProgram(['tool'], { env })).toBe(inB);
    expect(findProgram(['daemon'], { env })).toBeUndefined();
    expect(findProgram(['daemon'], { env, extraDirs: [sbin] })).toBe(inSbin);
    expect(findProgram(['missing', 'daemon', 'tool'], { env, extraDirs: [sbin] })).toBe(inSbin);
    expect(findProgram(['tool'], { env: {} })).toBeUndefined();
  });

  it('on Windows, tries the name with .exe and needs no execute bit', async () => {
    const dir = await makeTempDir('chatmsg-find-');
    const exe = await program(dir, 'dumpcap.exe', 0o644);
    expect(findProgram(['dumpcap'], { env: { PATH: dir }, platform: 'win32' })).toBe(exe);
    expect(findProgram(['dumpcap'], { env: { PATH: dir }, platform: 'linux' })).toBeUndefined();
  });
});
