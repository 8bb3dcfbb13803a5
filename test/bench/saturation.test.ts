import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bottleneckOf, ratioClaimed, SATURATED } from '../../src/bench/saturation.js';

describe('bottleneckOf (which side of a phase was saturated)', () => {
  it('reads the server from its main thread and the generator from its busiest thread', () => {
    expect(bottleneckOf({ serverThread: 0.95, senders: 0.5, receivers: 0.6 })).toBe('server');
    expect(bottleneckOf({ serverThread: 0.5, senders: 0.97, receivers: 0.2 })).toBe('generator');
    expect(bottleneckOf({ serverThread: 0.5, senders: 0.2, receivers: 0.93 })).toBe('generator');
    expect(bottleneckOf({ serverThread: 0.92, senders: 0.2, receivers: 0.93 })).toBe('both');
    expect(bottleneckOf({ serverThread: 0.5, senders: 0.5, receivers: 0.5 })).toBe('neither');
  });

  it('never calls a server it could not measure (--server) saturated', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (senders, receivers) => {
        const limit = bottleneckOf({ serverThread: undefined, senders, receivers });
        expect(limit === 'server' || limit === 'both').toBe(false);
        expect(limit === 'generator').toBe(Math.max(senders, receivers) >= SATURATED);
      }),
    );
  });

  it('claims a ratio only when both sides were limited by their server alone', () => {
    const limits = ['server', 'generator', 'both', 'neither'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...limits), fc.constantFrom(...limits), (ours, theirs) => {
        expect(ratioClaimed(ours, theirs)).toBe(ours === 'server' && theirs === 'server');
      }),
    );
  });
});
