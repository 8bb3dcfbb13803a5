import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asciiUpperCase, isBroadcastTarget } from '../../src/protocol/client-id.js';

describe('isBroadcastTarget', () => {
  it('is ALL in any ASCII case and nothing else, for any string', () => {
    const near = fc.string({ unit: fc.constantFrom('a', 'A', 'l', 'L', '!', ',', 'á', 'ł', 'Ł', '\u0141', '\u212a', 'ſ', 'ı'), maxLength: 4 });
    fc.assert(
      fc.property(fc.oneof(near, fc.string({ maxLength: 4 })), (id) => {
        expect(isBroadcastTarget(id)).toBe(asciiUpperCase(id) === 'ALL');
      }),
      { numRuns: 5000 },
    );
    for (const id of ['ALL', 'all', 'aLl', 'All']) expect(isBroadcastTarget(id)).toBe(true);
    for (const id of ['AL', 'ALLL', 'A!L', 'AL,', '\u0141LL', 'ALl ']) expect(isBroadcastTarget(id)).toBe(false);
  });

  it('upper-cases ASCII letters only, and returns a word without lower-case letters as it is', () => {
    expect(asciiUpperCase('msg')).toBe('MSG');
    expect(asciiUpperCase('MSG')).toBe('MSG');
    expect(asciiUpperCase('li\u017Ft')).toBe('LI\u017FT');
    expect(asciiUpperCase('log\u0131n')).toBe('LOG\u0131N');
  });
});
