import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rotated } from '../../src/bench/direct.js';

describe('rotated (who runs first at each rate of the direct ladder)', () => {
  it('starts at the index, modulo the number of lanes, and keeps the cyclic order', () => {
    expect(rotated(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(rotated(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(rotated(['a', 'b', 'c'], 5)).toEqual(['c', 'a', 'b']);
    expect(rotated([], 3)).toEqual([]);
  });

  it('over as many rates as there are lanes, puts each lane in each position once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.nat(100), (lanes, from) => {
        const names = Array.from({ length: lanes }, (_, i) => i);
        const orders = names.map((_, k) => rotated(names, from + k));
        for (const order of orders) expect([...order].sort((a, b) => a - b)).toEqual(names);
        for (let position = 0; position < lanes; position++) {
          expect(new Set(orders.map((order) => order[position])).size).toBe(lanes);
        }
      }),
    );
  });
});
