import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { tempDirEach } from '../helpers/temp-dir.js';
import { AppendLog } from '../../src/storage/append-log.js';

const temp = tempDirEach('chatmsg-append-log-');

describe('AppendLog', () => {
  it('writes appends of the same moment together, in order, and counts them', async () => {
    const path = temp.path('log');
    const { log, records } = await AppendLog.open(path);
    expect(records).toEqual([]);
    await Promise.all(Array.from({ length: 500 }, (_, i) => log.append(`record ${i}`)));
    await log.append('last');
    expect(log.records).toBe(501);
    await log.close();
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.slice(0, 3)).toEqual(['record 0', 'record 1', 'record 2']);
    expect(lines.slice(-2)).toEqual(['last', '']);
    expect((await AppendLog.open(path)).records).toHaveLength(501);
  });

  it('refuses a record with a line feed (it would be two records)', async () => {
    const { log } = await AppendLog.open(temp.path('log'));
    await expect(log.append('one\ntwo')).rejects.toThrow(/one line/);
    await log.close();
  });

  it('compacts once what was appended before the job ran is written; appends made while it runs land after', async () => {
    const path = temp.path('log');
    const { log } = await AppendLog.open(path);
    const before = [log.append('early'), log.append('also early')];
    let seenByJob = '';
    let during: Promise<void> | undefined;
    const compaction = log.compact(async () => {
      seenByJob = await readFile(path, 'utf8');
      during = log.append('during');
    });
    await Promise.all([...before, compaction]);
    await during;
    expect(seenByJob).toBe('early\nalso early\n');
    expect(await readFile(path, 'utf8')).toBe('during\n');
    expect(log.records).toBe(1);
    await log.close();
  });
});
