import { readFile, readdir, writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tempDirEach } from '../helpers/temp-dir.js';
import { journalPath, parseRegistry, readRegistryFiles, Registry } from '../../src/server/registry.js';

const temp = tempDirEach('chatmsg-registry-');

describe('Registry', () => {
  it('persists registrations and reloads them', async () => {
    const path = temp.path('registry.json');
    const registry = await Registry.open(path);
    expect(await registry.register('Alice', 'KEY-A')).toBe('registered');
    expect(await registry.register('bob', 'KEY-B')).toBe('registered');
    const again = await Registry.open(path);
    expect(again.size).toBe(2);
    expect(again.get('ALICE')).toMatchObject({ id: 'Alice', identityKey: 'KEY-A' });
  });

  it('never registers over an existing id, even in a race', async () => {
    const registry = await Registry.open(temp.path('registry.json'));
    const [first, second] = await Promise.all([registry.register('alice', 'KEY-1'), registry.register('Alice', 'KEY-2')]);
    expect([first, second]).toEqual(['registered', 'taken']);
    expect(registry.get('alice')?.identityKey).toBe('KEY-1');
  });

  it('undoes a reservation when the file cannot be written', async () => {
    await expect(Registry.open(temp.path('missing-dir/registry.json'))).rejects.toThrow(/ENOENT/);
    const registry = await Registry.open(temp.path('registry.json'));
    // The journal's file handle is gone: the append fails like a full or broken disk would.
    await registry.close();
    await expect(registry.register('alice', 'KEY')).rejects.toThrow(/closed|EBADF/);
    expect(registry.get('alice')).toBeUndefined();
  });

  it('refuses to start from a file that is not a registry, and removes stale temporaries', async () => {
    const path = temp.path('registry.json');
    await writeFile(path, '{"version":1,"users":{"alice":{"id":"bob","identityKey":"K"}}}');
    await expect(Registry.open(path)).rejects.toThrow(/bad entry/);
    await writeFile(path, '{ torn');
    await expect(Registry.open(path)).rejects.toThrow(/not valid JSON/);
    await writeFile(path, '{"version":1,"users":{}}');
    await writeFile(temp.path('.registry.json.12345.tmp'), '{ half');
    await Registry.open(path);
    expect((await readdir(temp.dir)).sort()).toEqual(['registry.json', 'registry.json.journal']);
    expect(await readFile(path, 'utf8')).toContain('"users"');
  });
});

describe('Registry journal', () => {
  const key = (n: number) => `KEY-${n}`;

  it('appends each registration to the journal instead of rewriting the snapshot, and reloads both', async () => {
    const path = temp.path('registry.json');
    const registry = await Registry.open(path);
    const snapshot = await readFile(path, 'utf8');
    for (let i = 0; i < 20; i++) expect(await registry.register(`u${i}`, key(i))).toBe('registered');
    expect(await readFile(path, 'utf8')).toBe(snapshot);
    const journal = (await readFile(journalPath(path), 'utf8')).trimEnd().split('\n');
    expect(journal).toHaveLength(20);
    expect(JSON.parse(journal[7]!)).toMatchObject({ id: 'u7', identityKey: key(7) });
    expect((await readRegistryFiles(path)).size).toBe(20);
    await registry.close();
    // A restart folds the journal into the snapshot.
    const again = await Registry.open(path);
    expect(again.size).toBe(20);
    expect(await readFile(journalPath(path), 'utf8')).toBe('');
    expect(Object.keys(parseRegistry(await readFile(path, 'utf8')).users)).toHaveLength(20);
    await again.close();
  });

  it('folds the journal into the snapshot once it is as large, with registrations going on meanwhile', async () => {
    const path = temp.path('registry.json');
    const registry = await Registry.open(path);
    const outcomes = await Promise.all(Array.from({ length: 1100 }, (_, i) => registry.register(`c${i}`, key(i))));
    expect(outcomes.every((outcome) => outcome === 'registered')).toBe(true);
    // More while the compaction runs (it started with the 1024th).
    for (let i = 1100; i < 1150; i++) await registry.register(`c${i}`, key(i));
    await registry.close();
    const snapshotUsers = Object.keys(parseRegistry(await readFile(path, 'utf8')).users).length;
    expect(snapshotUsers).toBeGreaterThanOrEqual(1024);
    expect((await readRegistryFiles(path)).size).toBe(1150);
    expect((await Registry.open(path)).size).toBe(1150);
  });

  it('survives a crash at any byte of an append: earlier registrations kept, the torn line cut, later appends on a line of their own', async () => {
    const path = temp.path('registry.json');
    const registry = await Registry.open(path);
    for (let i = 0; i < 5; i++) await registry.register(`k${i}`, key(i));
    await registry.close();
    const complete = await readFile(journalPath(path));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: complete.length }), async (cut) => {
        await writeFile(journalPath(path), complete.subarray(0, cut));
        const reopened = await Registry.open(path);
        const kept = complete.subarray(0, cut).toString().split('\n').length - 1;
        // The snapshot of the first open (empty) plus the complete lines before the cut.
        expect(reopened.size).toBe(kept);
        expect(await reopened.register('after', 'KEY-AFTER')).toBe('registered');
        await reopened.close();
        expect((await readRegistryFiles(path)).get('after')?.identityKey).toBe('KEY-AFTER');
        await writeFile(path, '{"version":1,"users":{}}');
      }),
      { numRuns: 40 },
    );
  });

  it('accepts a registration twice (a crash between snapshot and journal truncation) but not an id with another key', async () => {
    const path = temp.path('registry.json');
    const registry = await Registry.open(path);
    await registry.register('dup', 'KEY-1');
    await registry.close();
    const line = (await readFile(journalPath(path), 'utf8')).trimEnd();
    await writeFile(path, JSON.stringify({ version: 1, users: { dup: JSON.parse(line) } }));
    expect((await Registry.open(path)).get('dup')?.identityKey).toBe('KEY-1');
    await writeFile(journalPath(path), `${line.replace('KEY-1', 'KEY-2')}\n`);
    await expect(Registry.open(path)).rejects.toThrow(/registers dup again with another key/);
    await writeFile(journalPath(path), '{"id":"x"}\n');
    await expect(Registry.open(path)).rejects.toThrow(/line 1 is not a registration/);
  });
});
