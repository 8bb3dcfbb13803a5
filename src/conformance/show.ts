const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '"': '\\"', '\\': '\\\\' };

/**
 * Bytes for people, quoted: `"PING a\n"`, `"bad:\xc3("`. Controls (C0, DEL, C1) and, when the
 * bytes are not UTF-8, every byte above 0x7f appear as escapes, never raw on the terminal.
 */
export function showBytes(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes);
  const valid = Buffer.from(buffer.toString('utf8')).equals(buffer);
  // Not UTF-8: one character per byte, so each byte above 0x7f shows as its own \xNN.
  const text = valid ? buffer.toString('utf8') : buffer.toString('latin1');
  let shown = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f) || (!valid && code > 0x7f);
    shown += NAMED_ESCAPES[ch] ?? (control ? `\\x${code.toString(16).padStart(2, '0')}` : ch);
  }
  return `"${shown}"`;
}
