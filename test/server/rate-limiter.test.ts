import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/server/rate-limiter.js';

describe('TokenBucket', () => {
  function bucket(rate: number, burst: number) {
    let now = 100;
    const limiter = new TokenBucket(rate, burst, () => now);
    return { limiter, advance: (seconds: number) => (now += seconds) };
  }
  const takeMany = (limiter: TokenBucket, n: number) => Array.from({ length: n }, () => limiter.take()).filter(Boolean).length;

  it('lets a burst through at once, then refuses', () => {
    const { limiter } = bucket(50, 200);
    expect(takeMany(limiter, 250)).toBe(200);
    expect(limiter.take()).toBe(false);
  });

  it('refills at the rate, never above the burst', () => {
    const { limiter, advance } = bucket(10, 20);
    takeMany(limiter, 20);
    advance(0.5);
    expect(takeMany(limiter, 100)).toBe(5);
    advance(3600);
    expect(takeMany(limiter, 100)).toBe(20);
  });

  it('sustains exactly the rate under constant pressure', () => {
    const { limiter, advance } = bucket(50, 200);
    takeMany(limiter, 200);
    let passed = 0;
    for (let tick = 0; tick < 100; tick++) {
      advance(0.01);
      passed += takeMany(limiter, 10);
    }
    expect(passed).toBe(50);
  });

  it('refuses nonsense parameters', () => {
    expect(() => new TokenBucket(0, 10)).toThrow(RangeError);
    expect(() => new TokenBucket(5, 0)).toThrow(RangeError);
  });
});
