/** The first capacity of a journal's buffer; it doubles as notices are appended. */
const INITIAL_CAPACITY = 4096;

/**
 * The presence notices (JOINED / LEFT) announced since the router last flushed them, encoded
 * once into one growing buffer. Every member online receives the notices announced after its
 * own login, in order: a contiguous range of this journal, handed out as one view of shared
 * bytes. So a flush costs each recipient one Buffer view, however many notices there were,
 * instead of one queued line per notice per recipient: 10,000 logins make 50 million
 * (notice, recipient) pairs, and a queued line each was most of the login time
 * (docs/PERFORMANCE.md).
 *
 * Bytes once written are never overwritten: a view handed out stays valid while it waits in a
 * socket's queue. Growing copies into a new buffer (old views keep the old one alive), and
 * clear() starts a new buffer rather than reusing the old.
 */
export class PresenceJournal {
  #bytes: Buffer = Buffer.alloc(0);
  #length = 0;

  /** Bytes in the journal: the offset the next notice will start at. */
  get length(): number {
    return this.#length;
  }

  append(line: string): void {
    const size = Buffer.byteLength(line);
    const end = this.#length + size;
    if (end > this.#bytes.length) this.#grow(end);
    this.#bytes.write(line, this.#length, 'utf8');
    this.#length = end;
  }

  /** The bytes from offset `from` to the end, as one view (empty when there are none). */
  since(from: number): Buffer {
    return this.#bytes.subarray(Math.min(from, this.#length), this.#length);
  }

  /** Starts again from offset 0, in new memory: views handed out keep their bytes. */
  clear(): void {
    this.#bytes = Buffer.alloc(0);
    this.#length = 0;
  }

  #grow(needed: number): void {
    // Amortised doubling: each byte is copied a bounded number of times whatever the count of notices.
    const bytes = Buffer.allocUnsafeSlow(Math.max(INITIAL_CAPACITY, 2 * needed));
    this.#bytes.copy(bytes, 0, 0, this.#length);
    this.#bytes = bytes;
  }
}
