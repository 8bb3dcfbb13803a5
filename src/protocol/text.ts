import { Buffer, isUtf8 } from 'node:buffer';

export type TextCheck = { ok: true; text: string } | { ok: false; reason: string };

const TAB = 0x09;
const DEL = 0x7f;
/** C1 controls U+0080-U+009F are, in UTF-8, exactly the pairs C2 80 to C2 9F. */
const C1_LEAD = 0xc2;
const C1_LAST = 0x9f;

/**
 * Decodes a line as strict UTF-8 and refuses control characters: C0 other than TAB, DEL, and
 * C1 (U+0080-U+009F; terminals obey some of them, U+009B is CSI). Neither kind of byte occurs
 * inside another UTF-8 sequence (0xC2 is only ever a lead byte), so a byte scan is exact.
 *
 * The same scan notes whether every byte is ASCII, as nearly every line is: then the bytes are
 * the text as they stand (latin1 decoding copies them into a one-byte string, without the UTF-8
 * decoder's work). Otherwise isUtf8 validates and toString decodes, both native; a
 * TextDecoder with `fatal` cost a quarter of the parse time of a direct message
 * (docs/PERFORMANCE.md).
 */
export function decodeLine(bytes: Uint8Array): TextCheck {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b >= 0x80) ascii = false;
    if ((b < 0x20 && b !== TAB) || b === DEL) {
      return { ok: false, reason: `control character 0x${b.toString(16).padStart(2, '0')} at byte ${i}` };
    }
    if (b === C1_LEAD && (bytes[i + 1] ?? 0) >= 0x80 && (bytes[i + 1] ?? 0) <= C1_LAST) {
      return { ok: false, reason: `control character U+00${bytes[i + 1]!.toString(16).toUpperCase()} at byte ${i}` };
    }
  }
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (ascii) return { ok: true, text: buffer.toString('latin1') };
  if (!isUtf8(buffer)) return { ok: false, reason: 'not valid UTF-8' };
  const text = buffer.toString('utf8');
  // A leading byte order mark is dropped, as the WHATWG decoder used before did.
  return { ok: true, text: text.charCodeAt(0) === BYTE_ORDER_MARK ? text.slice(1) : text };
}
const BYTE_ORDER_MARK = 0xfeff;

/**
 * Makes text from the network safe to print on a terminal: C0 controls (but TAB), DEL and
 * C1 controls become visible escapes such as \x1b, never raw bytes that a terminal would obey.
 */
export function escapeForTerminal(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
