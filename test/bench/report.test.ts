import { describe, expect, it } from 'vitest';
import { settledAfter } from '../../src/bench/report.js';

describe('settledAfter (when idle memory came down)', () => {
  it('is the first second whose reading is within 2 % of the last', () => {
    expect(settledAfter([300_000, 290_000, 120_500, 120_000, 120_000])).toBe('3');
  });

  it('is 1 when memory never moved, and - without readings', () => {
    expect(settledAfter([100_000, 100_000])).toBe('1');
    expect(settledAfter([])).toBe('-');
  });
});
