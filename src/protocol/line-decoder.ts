import { CR, LF } from './constants.js';

/** Where a LineDecoder delivers what it finds: one call per complete line or per over-long line. */
export interface LineSink {
  /**
   * A complete line, without its LF and without a CR just before it. The buffer may share
   * memory with the chunk that was pushed: use it before returning, do not keep it.
   */
  line(bytes: Buffer): void;
  /** A line passed the byte limit; its bytes up to the next LF are being discarded. */
  tooLong(): void;
}

/**
 * Cuts a byte stream into LF-terminated lines. Pure: bytes in, calls on the sink out.
 *
 * The limit counts every byte of a line including its terminator. It is checked before
 * bytes are buffered, so a 10 MB line without LF never costs more than `maxLine` bytes:
 * the sink hears `tooLong` as soon as the line cannot fit, and the rest is skipped.
 */
export class LineDecoder {
  readonly #maxLine: number;
  readonly #sink: LineSink;
  #pending: Buffer[] = [];
  #pendingLength = 0;
  #discarding = false;

  constructor(maxLine: number, sink: LineSink) {
    if (!Number.isInteger(maxLine) || maxLine < 2) {
      throw new RangeError(`maxLine must be an integer >= 2, got ${maxLine}`);
    }
    this.#maxLine = maxLine;
    this.#sink = sink;
  }

  /** Bytes held for an incomplete line (at most maxLine - 1). */
  get bufferedBytes(): number {
    return this.#pendingLength;
  }

  /** True while the rest of an over-long line is being skipped. */
  get discarding(): boolean {
    return this.#discarding;
  }

  // #region report:framing (report section 2.1: how bytes become lines)
  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      if (lf === -1) {
        this.#keepTail(chunk, start);
        return;
      }
      const next = lf + 1;
      if (this.#discarding) {
        this.#discarding = false;
      } else if (this.#pendingLength + next - start > this.#maxLine) {
        this.#reset();
        this.#sink.tooLong();
      } else {
        this.#emit(chunk.subarray(start, lf));
      }
      start = next;
    }
  }
  // #endregion report:framing

  #keepTail(chunk: Buffer, start: number): void {
    if (this.#discarding) return;
    const rest = chunk.length - start;
    // Even the shortest ending (one LF) would take the line past the limit.
    if (this.#pendingLength + rest >= this.#maxLine) {
      this.#reset();
      this.#discarding = true;
      this.#sink.tooLong();
      return;
    }
    // Copy, so a small tail does not keep a whole socket read buffer alive.
    this.#pending.push(Buffer.from(chunk.subarray(start)));
    this.#pendingLength += rest;
  }

  #emit(lastPart: Buffer): void {
    let line = lastPart;
    if (this.#pending.length > 0) {
      this.#pending.push(lastPart);
      line = Buffer.concat(this.#pending, this.#pendingLength + lastPart.length);
      this.#reset();
    }
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    this.#sink.line(line);
  }

  #reset(): void {
    this.#pending = [];
    this.#pendingLength = 0;
  }
}
