import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dueBatches } from '../../src/bench/schedule.js';

describe('dueBatches (the open loop schedule)', () => {
  it('deals the messages round-robin and stamps each batch with its first message\'s due time', () => {
    // 1000 msg/s: message n (from 0) is due n + 1 ms after the start.
    expect(dueBatches(0, 5, 3, 1_000_000, 1000)).toEqual([
      { sender: 0, count: 2, dueMicros: 1_001_000 },
      { sender: 1, count: 2, dueMicros: 1_002_000 },
      { sender: 2, count: 1, dueMicros: 1_003_000 },
    ]);
    // 25 msg/s: the first message is due at 40 ms, when floor(rate * elapsed) first reaches 1.
    expect(dueBatches(0, 1, 4, 0, 25)).toEqual([{ sender: 0, count: 1, dueMicros: 40_000 }]);
  });

  it('a late tick carries the time the messages were due, not the time it ran', () => {
    // The tick that should have sent message 7 at 8 ms ran only at 12 ms.
    expect(dueBatches(7, 12, 100, 0, 1000)).toEqual(
      [7, 8, 9, 10, 11].map((n) => ({ sender: n, count: 1, dueMicros: (n + 1) * 1000 })),
    );
  });

  it('nothing due, nothing sent', () => {
    expect(dueBatches(4, 4, 3, 0, 1000)).toEqual([]);
  });

  it('over consecutive ticks, every message is sent exactly once, by sender n % senders', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 20 }), (senders, steps) => {
        const sent = new Array<number>(senders).fill(0);
        let due = 0;
        for (const step of steps) {
          for (const batch of dueBatches(due, due + step, senders, 0, 1000)) sent[batch.sender]! += batch.count;
          due += step;
        }
        expect(sent).toEqual(Array.from({ length: senders }, (_, s) => Math.floor(due / senders) + (s < due % senders ? 1 : 0)));
      }),
    );
  });
});
