/**
 * Counts occurrences of a byte pattern in a stream of chunks with Buffer#indexOf (one native call
 * per occurrence, no per-byte JavaScript), including an occurrence split across two chunks.
 */
export class PatternCounter {
  readonly #pattern: Buffer;
  /** The last pattern.length - 1 bytes of the previous chunk. */
  #tail: Buffer = Buffer.alloc(0);

  constructor(pattern: string) {
    this.#pattern = Buffer.from(pattern, 'latin1');
  }

  count(chunk: Buffer): number {
    const pattern = this.#pattern;
    let found = 0;
    if (pattern.length > 1) {
      if (this.#tail.length > 0 && Buffer.concat([this.#tail, chunk.subarray(0, pattern.length - 1)]).includes(pattern)) {
        found++;
      }
      this.#tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - (pattern.length - 1))));
    }
    for (let at = chunk.indexOf(pattern); at !== -1; at = chunk.indexOf(pattern, at + pattern.length)) found++;
    return found;
  }
}
