/**
 * How a chunk is searched. 'sparse': Buffer#indexOf, one native call per occurrence, which
 * skips long stretches without one at memchr speed (deliveries with their padded texts).
 * 'dense': one JavaScript loop over the bytes, for a pattern that starts nearly every line:
 * a native call costs about 100 ns, and 10,000 logins bring 50 million presence notices,
 * which the loop counts about four times faster (docs/PERFORMANCE.md).
 */
export type Density = 'sparse' | 'dense';

/**
 * Counts occurrences of a byte pattern in a stream of chunks, including an occurrence split
 * across chunks. Nothing is allocated per chunk: the generator calls this for every chunk it
 * reads.
 */
export class PatternCounter {
  readonly #pattern: Buffer;
  readonly #density: Density;
  /** The stream's last pattern.length - 1 bytes (fewer at its start), whatever chunks they came in. */
  readonly #tail: Buffer;
  #tailLength = 0;

  constructor(pattern: string, density: Density = 'sparse') {
    this.#pattern = Buffer.from(pattern, 'latin1');
    this.#density = density;
    this.#tail = Buffer.alloc(Math.max(0, this.#pattern.length - 1));
  }

  count(chunk: Buffer): number {
    let found = this.#tail.length === 0 ? 0 : this.#acrossTail(chunk);
    found += this.#density === 'dense' ? this.#countByLoop(chunk) : this.#countByIndexOf(chunk);
    this.#keepTail(chunk);
    return found;
  }

  #countByIndexOf(chunk: Buffer): number {
    const pattern = this.#pattern;
    let found = 0;
    for (let at = chunk.indexOf(pattern); at !== -1; at = chunk.indexOf(pattern, at + pattern.length)) found++;
    return found;
  }

  #countByLoop(chunk: Buffer): number {
    const pattern = this.#pattern;
    const first = pattern[0];
    const last = chunk.length - pattern.length;
    let found = 0;
    next: for (let i = 0; i <= last; i++) {
      if (chunk[i] !== first) continue;
      for (let k = 1; k < pattern.length; k++) if (chunk[i + k] !== pattern[k]) continue next;
      found++;
      // Occurrences do not overlap, as with indexOf from the end of the last one.
      i += pattern.length - 1;
    }
    return found;
  }

  /** Occurrences that start in the tail and end in this chunk (counted when their last byte arrives). */
  #acrossTail(chunk: Buffer): number {
    const pattern = this.#pattern;
    const tail = this.#tail;
    const tailLength = this.#tailLength;
    let found = 0;
    for (let start = 0; start < tailLength; start++) {
      const inTail = tailLength - start;
      const inChunk = pattern.length - inTail;
      if (inChunk > chunk.length) continue;
      if (tail.compare(pattern, 0, inTail, start, tailLength) === 0 && chunk.compare(pattern, inTail, pattern.length, 0, inChunk) === 0) {
        found++;
      }
    }
    return found;
  }

  #keepTail(chunk: Buffer): void {
    const tail = this.#tail;
    if (chunk.length >= tail.length) {
      chunk.copy(tail, 0, chunk.length - tail.length);
      this.#tailLength = tail.length;
      return;
    }
    // A chunk shorter than the tail: keep the newest bytes of the old tail in front of it.
    const keep = Math.min(this.#tailLength, tail.length - chunk.length);
    tail.copy(tail, 0, this.#tailLength - keep, this.#tailLength);
    chunk.copy(tail, keep);
    this.#tailLength = keep + chunk.length;
  }
}
