import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLine } from '../../src/protocol/text.js';

/** The decoder decodeLine used before its ASCII fast path: strict WHATWG UTF-8. */
const reference = new TextDecoder('utf-8', { fatal: true });
function referenceText(bytes: Uint8Array): string | undefined {
  try {
    return reference.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Bytes that reach the decoding step: no C0 (but TAB), no DEL, no C1 pair. */
const noControls = (bytes: Uint8Array) =>
  bytes.every((b, i) => (b >= 0x20 || b === 0x09) && b !== 0x7f && !(b === 0xc2 && (bytes[i + 1] ?? 0) >= 0x80 && (bytes[i + 1] ?? 0) <= 0x9f));

describe('decodeLine', () => {
  it('decodes exactly as the strict WHATWG decoder, for any bytes: ASCII, UTF-8, invalid, with a byte order mark', () => {
    const pieces = fc.oneof(
      fc.uint8Array({ maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 8 }).map((s) => new Uint8Array(Buffer.from(s))),
      fc.constant(new Uint8Array([0xef, 0xbb, 0xbf])),
      fc.string({ maxLength: 12 }).map((s) => new Uint8Array(Buffer.from(s, 'latin1'))),
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 5 }), fc.boolean(), (parts, asBuffer) => {
        const joined = Buffer.concat(parts);
        // A plain Uint8Array as well as a Buffer (the server passes Buffers).
        const bytes = asBuffer ? joined : new Uint8Array(joined);
        const result = decodeLine(bytes);
        if (!noControls(bytes)) {
          expect(result.ok).toBe(false);
          return;
        }
        const expected = referenceText(bytes);
        expect(result).toEqual(expected === undefined ? { ok: false, reason: 'not valid UTF-8' } : { ok: true, text: expected });
      }),
      { numRuns: 3000 },
    );
  });

  it('takes an ASCII line as it stands and refuses an overlong or surrogate encoding', () => {
    expect(decodeLine(Buffer.from('MSG bob hi there'))).toEqual({ ok: true, text: 'MSG bob hi there' });
    expect(decodeLine(Buffer.from([0xc0, 0xaf]))).toEqual({ ok: false, reason: 'not valid UTF-8' });
    expect(decodeLine(Buffer.from([0xed, 0xa0, 0x80]))).toEqual({ ok: false, reason: 'not valid UTF-8' });
    expect(decodeLine(Buffer.from([0xef, 0xbb, 0xbf, 0x41]))).toEqual({ ok: true, text: 'A' });
  });
});
