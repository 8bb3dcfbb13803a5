import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** This file, whose examples below would match. */
const SELF = relative(ROOT, fileURLToPath(import.meta.url));

/** A sleep written by hand: a Promise whose only job is a setTimeout that resolves it. */
const HAND_WRITTEN_SLEEP = /new Promise(?:<void>)?\(\s*\(?(\w+)\)?\s*=>\s*\{?\s*setTimeout\(\s*\1\s*,/;

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts'))
    .map((path) => join(folder, path));
}

describe('one sleep helper', () => {
  it('src/ and test/ wait with node:timers/promises setTimeout, never a hand-written Promise sleep', () => {
    const offenders = [...sourceFiles('src'), ...sourceFiles('test')].filter(
      (path) => path !== SELF && HAND_WRITTEN_SLEEP.test(readFileSync(join(ROOT, path), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('recognises the hand-written forms it forbids, and not the helper', () => {
    expect(HAND_WRITTEN_SLEEP.test('await new Promise((resolve) => setTimeout(resolve, 50));')).toBe(true);
    expect(HAND_WRITTEN_SLEEP.test('await new Promise((r) => setTimeout(r, 200));')).toBe(true);
    expect(HAND_WRITTEN_SLEEP.test('new Promise<void>((done) => {\n  setTimeout(done, ms);\n})')).toBe(true);
    expect(HAND_WRITTEN_SLEEP.test("import { setTimeout as sleep } from 'node:timers/promises';\nawait sleep(50);")).toBe(false);
  });
});
