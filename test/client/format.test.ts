import { describe, expect, it } from 'vitest';
import { formatForPeople, shouldUseColour } from '../../src/client/format.js';
import { formatClock, formatTranscriptLine, parseTranscriptLine } from '../../src/client/transcript.js';

const SGR = /\x1b\[[0-9;]*m/;

describe('transcript lines', () => {
  it('formats local time with milliseconds', () => {
    expect(formatClock(new Date(2026, 0, 2, 3, 4, 5, 6))).toBe('03:04:05.006');
  });
  it('writes the contract format and reads it back', () => {
    const entries = [
      { time: '10:00:00.001', kind: 'sent', text: 'LOGIN alice' },
      { time: '23:59:59.999', kind: 'received', text: 'MSG bob ALL hi  there ' },
      { time: '00:00:00.000', kind: 'notice', text: 'connected to 127.0.0.1:5151' },
    ] as const;
    expect(entries.map(formatTranscriptLine)).toEqual([
      '10:00:00.001 > LOGIN alice',
      '23:59:59.999 < MSG bob ALL hi  there ',
      '00:00:00.000 * connected to 127.0.0.1:5151',
    ]);
    for (const entry of entries) expect(parseTranscriptLine(formatTranscriptLine(entry))).toEqual(entry);
  });
  it('rejects lines in other formats', () => {
    for (const bad of ['', 'LOGIN alice', '10:00:00 > x', '10:00:00.001 ? x', '10:00:00.001 >x']) expect(parseTranscriptLine(bad)).toBeUndefined();
  });
});

describe('colours', () => {
  it('only on a TTY, and never with NO_COLOR set', () => {
    expect(shouldUseColour(true, {})).toBe(true);
    expect(shouldUseColour(true, { NO_COLOR: '' })).toBe(true);
    expect(shouldUseColour(true, { NO_COLOR: '1' })).toBe(false);
    expect(shouldUseColour(false, {})).toBe(false);
    expect(shouldUseColour(undefined, {})).toBe(false);
  });
  it('without colour, a line is exactly the transcript format', () => {
    const entry = { time: '10:00:00.001', kind: 'received', text: 'ERR 404 no client' } as const;
    expect(formatForPeople(entry, false)).toBe('10:00:00.001 < ERR 404 no client');
  });
  it('with colour, the same text coloured by kind', () => {
    const line = (kind: 'sent' | 'received' | 'notice', text: string) => formatForPeople({ time: '10:00:00.001', kind, text }, true);
    const err = line('received', 'ERR 404 no client');
    expect(err).toMatch(SGR);
    expect(err).toContain('\x1b[31m< ERR 404 no client');
    expect(line('received', 'MSG bob alice hi')).toContain('\x1b[36m');
    expect(line('received', 'OK LOGIN a')).toContain('\x1b[32m');
    expect(line('notice', 'connected')).toContain('\x1b[2m* connected');
    expect(err.replace(/\x1b\[[0-9;]*m/g, '')).toBe('10:00:00.001 < ERR 404 no client');
  });
});
