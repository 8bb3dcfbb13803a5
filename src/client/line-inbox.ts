import type { Socket } from 'node:net';
import { LineDecoder } from '../protocol/index.js';

/** One entry of the inbox: a complete line (a copy of its bytes, without LF or CR LF), or the mark of a line over the limit. */
export type InboxEntry = { kind: 'line'; bytes: Buffer } | { kind: 'too-long' };

/** What `next` returns when the peer closed the connection and every line was taken. */
export const CLOSED = 'closed' as const;

/**
 * The reading side of a line-based connection for callers that pull: every line the socket
 * delivers goes into an inbox (framed by the project's LineDecoder, so bounded by `maxLine`),
 * and `next` takes them in order, waiting with a deadline when none is there yet.
 *
 * Used by the tools that drive a server step by step (the conformance checker, the health
 * probe, the tests' raw client). The terminal client's ChatConnection and the lab's
 * AgentConnection react to each line as it comes (keepalive, event listeners) and push instead.
 */
export class LineInbox {
  readonly #entries: InboxEntry[] = [];
  readonly #waiters = new Set<() => void>();
  #closed = false;
  #error: NodeJS.ErrnoException | undefined;
  /** Resolves once the socket has closed. */
  readonly whenClosed: Promise<void>;

  constructor(socket: Socket, maxLine: number) {
    const decoder = new LineDecoder(maxLine, {
      line: (bytes) => this.#add({ kind: 'line', bytes: Buffer.from(bytes) }),
      tooLong: () => this.#add({ kind: 'too-long' }),
    });
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    // An error is always followed by 'close', which ends the inbox; the error is kept to say why.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.#error ??= error;
    });
    this.whenClosed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#closed = true;
        this.#wakeAll();
        resolve();
      });
    });
  }

  /** True once the socket has closed (lines may still be waiting in the inbox). */
  get closed(): boolean {
    return this.#closed;
  }

  /** The socket error that ended the connection, if one did. */
  get error(): NodeJS.ErrnoException | undefined {
    return this.#error;
  }

  /** Entries received and not taken yet. */
  get pending(): number {
    return this.#entries.length;
  }

  /** The oldest entry not taken yet, without waiting. */
  take(): InboxEntry | undefined {
    return this.#entries.shift();
  }

  /** The next entry; CLOSED once the socket closed and all were taken; undefined if none came within `timeoutMs`. */
  async next(timeoutMs: number): Promise<InboxEntry | typeof CLOSED | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const entry = this.#entries.shift();
      if (entry !== undefined) return entry;
      if (this.#closed) return CLOSED;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await this.#woken(left);
    }
  }

  /** True once the socket is closed, false if it is still open after `timeoutMs`. */
  async waitClosed(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#closed) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.#woken(left);
    }
  }

  #add(entry: InboxEntry): void {
    this.#entries.push(entry);
    this.#wakeAll();
  }

  #wakeAll(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolves on the next entry or close, or after `ms`, whichever comes first. */
  #woken(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#waiters.add(wake);
    });
  }
}
