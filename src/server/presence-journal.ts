/**
 * The presence notices (JOINED / LEFT) of one event-loop turn, encoded once into shared bytes.
 * Every member online receives the notices announced after its own login, in order: a
 * contiguous range of this journal. So a turn's notices cost each recipient one Buffer view of
 * shared bytes, however many there were, instead of one queued line per notice per recipient:
 * 10,000 logins make 50 million (notice, recipient) pairs, and a queued line each was most of
 * the login time (docs/PERFORMANCE.md).
 */
export class PresenceJournal {
  /** Bytes encoded so far, in order; a range is cut from these without copying. */
  #segments: Buffer[] = [];
  /** Journal offset where each segment starts. */
  #starts: number[] = [];
  /** Lines appended since the last segment was encoded. */
  #unencoded = '';
  #encodedLength = 0;
  #length = 0;

  /** Bytes in the journal: the offset the next notice will start at. */
  get length(): number {
    return this.#length;
  }

  append(line: string): void {
    this.#unencoded += line;
    this.#length += Buffer.byteLength(line);
  }

  /**
   * The bytes from offset `from` to the end, as views of the journal's segments (one, unless
   * notices were appended after a recipient had already taken an earlier range this turn).
   */
  since(from: number): Buffer[] {
    if (this.#unencoded !== '') {
      this.#segments.push(Buffer.from(this.#unencoded, 'utf8'));
      this.#starts.push(this.#encodedLength);
      this.#encodedLength = this.#length;
      this.#unencoded = '';
    }
    const views: Buffer[] = [];
    for (let i = this.#segments.length - 1; i >= 0; i--) {
      const start = this.#starts[i]!;
      const segment = this.#segments[i]!;
      if (start + segment.length <= from) break;
      views.unshift(from > start ? segment.subarray(from - start) : segment);
    }
    return views;
  }

  /** Starts a new turn: offsets count from 0 again. */
  clear(): void {
    this.#segments = [];
    this.#starts = [];
    this.#unencoded = '';
    this.#encodedLength = 0;
    this.#length = 0;
  }
}
