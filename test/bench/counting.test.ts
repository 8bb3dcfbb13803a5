import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstStamp, stampedText } from '../../src/bench/clock.js';
import { Histogram } from '../../src/bench/histogram.js';
import { PatternCounter } from '../../src/bench/pattern-counter.js';

describe.each(['sparse', 'dense'] as const)('PatternCounter (%s)', (density) => {
  const stream = Buffer.from('*3\r\n$7\r\nmessage\r\n$5\r\nbench\r\n$2\r\nhi\r\n'.repeat(5));
  /** Feeds `stream` to a fresh counter cut at `cuts` (sorted offsets) and sums what it counted. */
  const countSplit = (pattern: string, cuts: number[]) => {
    const counter = new PatternCounter(pattern, density);
    const edges = [0, ...cuts, stream.length];
    let total = 0;
    for (let i = 1; i < edges.length; i++) total += counter.count(stream.subarray(edges[i - 1], edges[i]));
    return total;
  };
  const everyByte = Array.from({ length: stream.length - 1 }, (_, i) => i + 1);

  it('counts a pattern split across chunks at every position exactly once', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const counter = new PatternCounter('message\r\n', density);
      expect(counter.count(stream.subarray(0, cut)) + counter.count(stream.subarray(cut))).toBe(5);
    }
  });

  it('counts a pattern fed byte by byte, spanning many chunks, exactly once', () => {
    expect(countSplit('message\r\n', everyByte)).toBe(5);
  });

  it('counts the same at any split of the stream into chunks', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        expect(countSplit('message\r\n', cuts.sort((a, b) => a - b))).toBe(5);
      }),
    );
  });

  it('does not count a pattern that only nearly occurs across chunks', () => {
    const counter = new PatternCounter('MSG ', density);
    expect(counter.count(Buffer.from('xMS')) + counter.count(Buffer.from('Gx MSG')) + counter.count(Buffer.from('x'))).toBe(0);
    expect(counter.count(Buffer.from('M')) + counter.count(Buffer.from('S')) + counter.count(Buffer.from('G '))).toBe(1);
  });

  it('counts a one-byte pattern byte by byte', () => {
    expect(countSplit('\n', everyByte)).toBe(35);
  });

  it('counts what the other search counts, in any bytes cut into any chunks', () => {
    const other = density === 'dense' ? 'sparse' : 'dense';
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('JOINED ', 'JOIN', 'ED ', 'J', 'JJOINED', 'x', '\n'), maxLength: 60 }),
        fc.uniqueArray(fc.nat(300), { maxLength: 10 }),
        (text, cuts) => {
          const bytes = Buffer.from(text, 'latin1');
          const edges = [0, ...cuts.filter((c) => c < bytes.length).sort((a, b) => a - b), bytes.length];
          const mine = new PatternCounter('JOINED ', density);
          const theirs = new PatternCounter('JOINED ', other);
          let a = 0;
          let b = 0;
          for (let i = 1; i < edges.length; i++) {
            a += mine.count(bytes.subarray(edges[i - 1], edges[i]));
            b += theirs.count(bytes.subarray(edges[i - 1], edges[i]));
          }
          expect(a).toBe(b);
          expect(a).toBe(text.split('JOINED ').length - 1);
        },
      ),
    );
  });
});

describe('send stamps', () => {
  it('pads the text to the requested size and reads the stamp back', () => {
    const text = stampedText(123456789, 64);
    expect(text).toHaveLength(64);
    expect(firstStamp(Buffer.from(`MSG s1 ALL ${text}\n`))).toBe(123456789);
  });

  it('skips a stamp cut at the start of a chunk and takes the next complete one', () => {
    const chunk = Buffer.from(`789|xxxx\nMSG s1 ALL ${stampedText(42, 30)}\n`);
    expect(firstStamp(chunk)).toBe(42);
  });

  it('finds nothing in a chunk without a complete stamp', () => {
    expect(firstStamp(Buffer.from('MSG s1 ALL |12'))).toBe(-1);
    expect(firstStamp(Buffer.from('JOINED r1\n'))).toBe(-1);
  });
});

describe('Histogram', () => {
  it('reports percentiles within the bucket width and the exact max', () => {
    const histogram = new Histogram();
    for (let micros = 1; micros <= 10_000; micros++) histogram.record(micros);
    expect(histogram.count).toBe(10_000);
    expect(histogram.percentile(0.5)).toBeGreaterThanOrEqual(5000);
    expect(histogram.percentile(0.5)).toBeLessThan(5000 * 1.03);
    expect(histogram.percentile(0.99)).toBeGreaterThanOrEqual(9900);
    expect(histogram.percentile(0.99)).toBeLessThan(9900 * 1.03);
    expect(histogram.max).toBe(10_000);
  });

  it('merges snapshots (as the pool does across workers)', () => {
    const a = new Histogram();
    const b = new Histogram();
    a.record(100);
    b.record(900);
    a.add(b.snapshot());
    expect(a.count).toBe(2);
    expect(a.max).toBe(900);
    expect(a.percentile(0.5)).toBeLessThan(110);
  });
});
