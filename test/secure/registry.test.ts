import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Registry } from '../../src/server/registry.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chatmsg-registry-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Registry', () => {
  it('persists registrations and reloads them', async () => {
    const path = join(dir, 'registry.json');
    const registry = await Registry.open(path);
    expect(await registry.register('Alice', 'KEY-A')).toBe('registered');
    expect(await registry.register('bob', 'KEY-B')).toBe('registered');
    const again = await Registry.open(path);
    expect(again.size).toBe(2);
    expect(again.get('ALICE')).toMatchObject({ id: 'Alice', identityKey: 'KEY-A' });
  });

  it('never registers over an existing id, even in a race', async () => {
    const registry = await Registry.open(join(dir, 'registry.json'));
    const [first, second] = await Promise.all([registry.register('alice', 'KEY-1'), registry.register('Alice', 'KEY-2')]);
    expect([first, second]).toEqual(['registered', 'taken']);
    expect(registry.get('alice')?.identityKey).toBe('KEY-1');
  });

  it('undoes a reservation when the file cannot be written', async () => {
    const registry = await Registry.open(join(dir, 'missing-dir', 'registry.json'));
    await expect(registry.register('alice', 'KEY')).rejects.toThrow(/ENOENT/);
    expect(registry.get('alice')).toBeUndefined();
  });

  it('refuses to start from a file that is not a registry, and removes stale temporaries', async () => {
    const path = join(dir, 'registry.json');
    await writeFile(path, '{"version":1,"users":{"alice":{"id":"bob","identityKey":"K"}}}');
    await expect(Registry.open(path)).rejects.toThrow(/bad entry/);
    await writeFile(path, '{ torn');
    await expect(Registry.open(path)).rejects.toThrow(/not valid JSON/);
    await writeFile(path, '{"version":1,"users":{}}');
    await writeFile(join(dir, '.registry.json.12345.tmp'), '{ half');
    await Registry.open(path);
    expect(await readdir(dir)).toEqual(['registry.json']);
    expect(await readFile(path, 'utf8')).toContain('"users"');
  });
});
