/**
 * The send time carried in a message's text: `|<microseconds>|` then padding. The clock is the
 * system's monotonic clock (process.hrtime), which every thread and process on the machine
 * shares, so a receiver in another worker can subtract it from its own reading.
 */

const BAR = 0x7c; // '|'
const ZERO = 0x30;
const MAX_DIGITS = 17;

export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** A message text of exactly `size` bytes (at least the stamp) carrying `micros`. */
export function stampedText(micros: number, size: number): string {
  const stamp = `|${micros}|`;
  return stamp.length >= size ? stamp : stamp + 'x'.repeat(size - stamp.length);
}

/**
 * The first complete stamp in a chunk of received bytes, or -1. A chunk may begin in the middle
 * of a stamp; then the first pair of bars encloses no digits and the next pair is tried.
 */
export function firstStamp(chunk: Buffer): number {
  let open = chunk.indexOf(BAR);
  for (let tries = 0; tries < 3 && open !== -1; tries++) {
    const close = chunk.indexOf(BAR, open + 1);
    if (close === -1) return -1;
    const value = digitsBetween(chunk, open + 1, close);
    if (value >= 0) return value;
    open = close;
  }
  return -1;
}

function digitsBetween(chunk: Buffer, start: number, end: number): number {
  if (end === start || end - start > MAX_DIGITS) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = chunk[i]! - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}
