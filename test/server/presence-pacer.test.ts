import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PresencePacer, type PacerClock } from '../../src/server/presence-pacer.js';

/**
 * A server's flush cycle around the pacer, with a fake clock: the router has notices or not, a
 * write flush runs the pacer's hooks, and `flushCost` ms pass inside every presence flush.
 */
class Harness {
  now = 0;
  timers: { at: number; run: () => void }[] = [];
  writeRequested = false;
  presenceFlushes: { start: number; end: number }[] = [];
  waiting = false;
  flushCost = 0;
  readonly pacer: PresencePacer;

  constructor() {
    const clock: PacerClock = {
      now: () => this.now,
      later: (run, ms) => this.timers.push({ at: this.now + ms, run }),
    };
    this.pacer = new PresencePacer(
      {
        presence: () => {
          this.waiting = false;
          const start = this.now;
          this.now += this.flushCost;
          this.presenceFlushes.push({ start, end: this.now });
        },
        requestWrite: () => (this.writeRequested = true),
        writeNow: () => this.writeFlush(),
      },
      clock,
    );
  }

  /** The router announced a notice (it calls the pacer only for the first of a flush, as Router does). */
  announce(): void {
    if (this.waiting) return;
    this.waiting = true;
    this.pacer.pending();
  }

  writeFlush(): void {
    this.writeRequested = false;
    this.pacer.beforeFlush();
    this.pacer.afterFlush();
  }

  /** The turn ends: a requested write flush runs. */
  endTurn(): void {
    if (this.writeRequested) this.writeFlush();
  }

  /** Time passes; timers due run, in order (a timer may fire up to `early` ms early, as libuv's whole ms allow). */
  advance(ms: number, early = 0): void {
    const until = this.now + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (next === undefined || next.at - early > until) break;
      this.timers.shift();
      this.now = Math.max(this.now, next.at - early);
      next.run();
    }
    this.now = Math.max(this.now, until);
  }
}

describe('PresencePacer', () => {
  it('flushes presence at the end of the turn while flushes are cheap (a five-client lab sees no delay)', () => {
    const h = new Harness();
    h.announce();
    expect(h.writeRequested).toBe(true);
    h.endTurn();
    expect(h.presenceFlushes).toHaveLength(1);
    h.announce();
    h.endTurn();
    expect(h.presenceFlushes).toHaveLength(2);
    expect(h.timers).toHaveLength(0);
  });

  it('after a flush that took T ms, waits T ms before the next one, then flushes from a timer', () => {
    const h = new Harness();
    h.flushCost = 40;
    h.announce();
    h.endTurn();
    expect(h.presenceFlushes).toEqual([{ start: 0, end: 40 }]);
    h.advance(10);
    h.announce();
    // Not due: no write requested for presence, a timer instead.
    expect(h.writeRequested).toBe(false);
    h.endTurn();
    expect(h.presenceFlushes).toHaveLength(1);
    // Another write flush of the turn (a reply to someone) does not carry presence early.
    h.writeFlush();
    expect(h.presenceFlushes).toHaveLength(1);
    h.advance(29);
    expect(h.presenceFlushes).toHaveLength(1);
    h.advance(1);
    expect(h.presenceFlushes).toHaveLength(2);
    expect(h.presenceFlushes[1]!.start).toBe(80);
  });

  it('a timer that fires early arms again instead of dropping the notices', () => {
    const h = new Harness();
    h.flushCost = 5;
    h.announce();
    h.endTurn();
    h.announce();
    h.advance(4.2, 0.9);
    h.advance(3);
    expect(h.presenceFlushes).toHaveLength(2);
    expect(h.waiting).toBe(false);
  });

  it('over any sequence of notices, turns, costs and early timers: every notice leaves, and flushes keep their pause', () => {
    const step = fc.oneof(
      fc.constant({ kind: 'announce' as const }),
      fc.constant({ kind: 'endTurn' as const }),
      fc.constant({ kind: 'writeFlush' as const }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.double({ min: 0, max: 50, noNaN: true }), early: fc.double({ min: 0, max: 0.99, noNaN: true }) }),
      fc.record({ kind: fc.constant('cost' as const), ms: fc.double({ min: 0, max: 30, noNaN: true }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const h = new Harness();
        for (const s of steps) {
          if (s.kind === 'announce') h.announce();
          else if (s.kind === 'endTurn') h.endTurn();
          else if (s.kind === 'writeFlush') h.writeFlush();
          else if (s.kind === 'advance') h.advance(s.ms, s.early);
          else h.flushCost = s.ms;
        }
        h.endTurn();
        // Liveness: once the last pause is over, nothing waits.
        h.advance(1000, 0.5);
        h.endTurn();
        expect(h.waiting).toBe(false);
        // The pause: a flush starts no sooner than its predecessor's cost after the predecessor ended.
        for (let i = 1; i < h.presenceFlushes.length; i++) {
          const previous = h.presenceFlushes[i - 1]!;
          expect(h.presenceFlushes[i]!.start).toBeGreaterThanOrEqual(previous.end + (previous.end - previous.start) - 1e-9);
        }
      }),
    );
  });
});
