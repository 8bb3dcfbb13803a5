/**
 * Write coalescing and backpressure for the server's connections, without sockets: transport.ts
 * adapts each net.Socket to an OutputSink, so this hot path is unit-tested with a fake sink.
 */

/**
 * Bytes gathered in one turn after which a connection is flushed at once: keeps syscalls few
 * without letting a burst of this turn's output count as a backlog against --max-queue.
 */
export const FLUSH_THRESHOLD = 16 * 1024;

/** A connection's socket, as its output queue sees it. */
export interface OutputSink {
  /** Bytes handed to the socket that the OS has not taken yet (`writableLength`). */
  readonly unsentBytes: number;
  /**
   * `socket.write`: false when the socket's buffer reached its high-water mark, counting these
   * bytes. Node decides that before the OS takes them: a 16 KiB write returns false even when
   * the OS takes it whole at once.
   */
  write(bytes: Buffer): boolean;
  /** Stops reading the peer's input, and calls `drained` once the socket has emptied its buffer ('drain'). */
  pauseInput(drained: () => void): void;
  resumeInput(): void;
}

/**
 * One connection's output of this turn, not yet handed to the socket. An array push per line
 * instead of a stream write per line: a broadcast costs each recipient a push, and the flush
 * one write.
 */
export class OutputQueue {
  readonly #sink: OutputSink;
  /** Bytes of unsent output beyond which the peer is a slow consumer (--max-queue). */
  readonly maxQueue: number;
  readonly #coalescer: WriteCoalescer;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #inputPaused = false;

  constructor(sink: OutputSink, maxQueue: number, coalescer: WriteCoalescer) {
    this.#sink = sink;
    this.maxQueue = maxQueue;
    this.#coalescer = coalescer;
  }

  /** Bytes queued here plus those the socket has not sent: what --max-queue bounds. */
  get unsentBytes(): number {
    return this.#sink.unsentBytes + this.#bytes;
  }

  get queuedBytes(): number {
    return this.#bytes;
  }

  get inputPaused(): boolean {
    return this.#inputPaused;
  }

  /**
   * Queues bytes for this turn's flush; false (and nothing queued) when they would take the
   * unsent total past max-queue: the peer is a slow consumer.
   */
  push(bytes: Buffer): boolean {
    if (this.unsentBytes + bytes.length > this.maxQueue) return false;
    if (this.#chunks.length === 0) this.#coalescer.add(this);
    this.#chunks.push(bytes);
    this.#bytes += bytes.length;
    if (this.#bytes >= FLUSH_THRESHOLD) this.flush();
    return true;
  }

  /**
   * Hands what is queued to the socket as one buffer. A socket that says it is full, and still
   * holds bytes the OS did not take, stops the reading of its peer until it drains: a client
   * that sends but does not read throttles itself through TCP instead of growing our queue.
   */
  flush(): void {
    const chunks = this.#chunks;
    if (chunks.length === 0) return;
    const bytes = this.#bytes;
    this.#chunks = [];
    this.#bytes = 0;
    const taken = this.#sink.write(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes));
    if (!taken && !this.#inputPaused && this.#sink.unsentBytes > 0) {
      this.#inputPaused = true;
      // Made only when it pauses: a closure per connection would cost every idle client.
      this.#sink.pauseInput(() => this.drained());
    }
  }

  /** The socket emptied its buffer ('drain'): read the peer again. */
  drained(): void {
    if (!this.#inputPaused) return;
    this.#inputPaused = false;
    this.#sink.resumeInput();
  }

  /** Drops what is queued (the connection is being cut). */
  discard(): void {
    this.#chunks = [];
    this.#bytes = 0;
  }
}

/** Runs a callback once this turn's I/O callbacks have run (setImmediate; tests pass their own). */
export type ScheduleFlush = (flush: () => void) => void;

/**
 * Runs around every flush. `beforeFlush` may still queue output that leaves in it (the router's
 * presence notices); `afterFlush` runs once everything was handed to the sockets.
 */
export interface FlushHooks {
  beforeFlush?: (() => void) | undefined;
  afterFlush?: (() => void) | undefined;
}

/**
 * Gathers the queues written to in this event-loop turn and flushes them all once: a
 * broadcast, or many replies to one pipelined chunk, leaves each socket as one write instead
 * of one syscall per line.
 */
export class WriteCoalescer {
  readonly #schedule: ScheduleFlush;
  readonly #hooks: FlushHooks;
  #pending = new Set<OutputQueue>();
  #scheduled = false;

  constructor(schedule: ScheduleFlush = (flush) => setImmediate(flush), hooks: FlushHooks = {}) {
    this.#schedule = schedule;
    this.#hooks = hooks;
  }

  add(queue: OutputQueue): void {
    this.#pending.add(queue);
    this.requestFlush();
  }

  /** Makes sure a flush runs at the end of this turn, even with no queue written to yet. */
  requestFlush(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#schedule(() => this.flush());
  }

  flush(): void {
    // While still scheduled, so what it queues joins this flush instead of scheduling another.
    this.#hooks.beforeFlush?.();
    this.#scheduled = false;
    const pending = this.#pending;
    this.#pending = new Set();
    for (const queue of pending) queue.flush();
    this.#hooks.afterFlush?.();
  }
}
