import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineDecoder } from '../../src/protocol/line-decoder.js';

type Event = string | { tooLong: true };

function collect(maxLine: number) {
  const events: Event[] = [];
  const decoder = new LineDecoder(maxLine, {
    line: (bytes) => events.push(Buffer.from(bytes).toString('latin1')),
    tooLong: () => events.push({ tooLong: true }),
  });
  return { decoder, events };
}

function feed(maxLine: number, chunks: string[]): Event[] {
  const { decoder, events } = collect(maxLine);
  for (const chunk of chunks) decoder.push(Buffer.from(chunk, 'latin1'));
  return events;
}

describe('LineDecoder', () => {
  it('cuts LF-terminated lines and drops one CR before LF', () => {
    expect(feed(100, ['LOGIN a\r\nLIST\nPING x\r\r\n'])).toEqual(['LOGIN a', 'LIST', 'PING x\r']);
  });

  it('holds an incomplete line until its LF arrives', () => {
    const { decoder, events } = collect(100);
    decoder.push(Buffer.from('MSG bob hel'));
    expect(events).toEqual([]);
    expect(decoder.bufferedBytes).toBe(11);
    decoder.push(Buffer.from('lo\nLI'));
    expect(events).toEqual(['MSG bob hello']);
    expect(decoder.bufferedBytes).toBe(2);
  });

  it('one byte per chunk gives the same events as one chunk', () => {
    const input = 'LOGIN alice\r\nMSG ALL hi there\nLIST\n';
    expect(feed(100, [...input])).toEqual(feed(100, [input]));
  });

  it('accepts a line of exactly maxLine bytes including LF, refuses one byte more', () => {
    expect(feed(8, ['1234567\n'])).toEqual(['1234567']);
    expect(feed(8, ['12345678\nok\n'])).toEqual([{ tooLong: true }, 'ok']);
    expect(feed(8, ['123456\r\n'])).toEqual(['123456']);
    expect(feed(8, ['1234567\r\nok\n'])).toEqual([{ tooLong: true }, 'ok']);
  });

  it('reports a long line once, before its LF, without buffering it, and recovers at the next LF', () => {
    const { decoder, events } = collect(16);
    decoder.push(Buffer.alloc(1024 * 1024, 0x41));
    expect(events).toEqual([{ tooLong: true }]);
    expect(decoder.bufferedBytes).toBe(0);
    decoder.push(Buffer.alloc(1024 * 1024, 0x41));
    expect(events).toHaveLength(1);
    decoder.push(Buffer.from('AAAA\nLIST\n'));
    expect(events).toEqual([{ tooLong: true }, 'LIST']);
  });

  it('any split of any input gives the same events (property)', () => {
    const line = fc.stringMatching(/^[ -~\r]{0,12}$/);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (lines, cutsRaw) => {
        const input = lines.map((l) => `${l}\n`).join('');
        const cuts = [...new Set(cutsRaw.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
        const chunks: string[] = [];
        let prev = 0;
        for (const c of [...cuts, input.length]) {
          chunks.push(input.slice(prev, c));
          prev = c;
        }
        expect(feed(10, chunks)).toEqual(feed(10, [input]));
      }),
    );
  });
});
