import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { LogBatcher } from '../../src/server/log-batcher.js';

describe('LogBatcher', () => {
  it('writes the lines of one turn with one call, in order', async () => {
    const writes: string[] = [];
    const log = new LogBatcher((text) => writes.push(text));
    log.write('a\n');
    log.write('b\n');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['a\nb\n']);
    log.write('c\n');
    await nextTurn();
    expect(writes).toEqual(['a\nb\n', 'c\n']);
  });

  it('writes at once when 64 KiB are gathered, and on flush', () => {
    const writes: string[] = [];
    const log = new LogBatcher((text) => writes.push(text));
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 64; i++) log.write(line);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toHaveLength(64 * 1024);
    log.write('last\n');
    log.flush();
    expect(writes.at(-1)).toBe('last\n');
    log.flush();
    expect(writes).toHaveLength(2);
  });
});
