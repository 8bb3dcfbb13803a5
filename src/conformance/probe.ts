import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLOSED, LineInbox, type InboxEntry } from '../client/line-inbox.js';
import { whenConnected, type ConnectError } from '../client/when-connected.js';
import { decodeLine, parseServerLine, type ServerPdu } from '../protocol/index.js';
import type { Target } from './types.js';

export { CLOSED };

/** One line from the server as the checker saw it. */
export interface Received {
  /** The decoded line without its terminator. */
  text: string;
  /** The line's bytes as received (a copy), for the failure report. */
  bytes: Buffer;
  pdu: ServerPdu;
  /** Set when the line itself broke the protocol (not UTF-8, control characters, over-long). */
  invalid?: string;
}

/** Server lines are bounded too: a server that never sends LF cannot make the checker buffer without end. */
const MAX_SERVER_LINE = 1024 * 1024;

/** How a send is cut into TCP segments: `bytesPerSegment` at a time, `pauseMs` apart, Nagle off. */
export interface Segmenting {
  bytesPerSegment: number;
  pauseMs: number;
}

/**
 * One TCP connection of the checker to the target. It reads every line the server sends
 * into an inbox (decoded with the project's own codec) and lets a check take them in order.
 */
export class Probe {
  readonly name: string;
  readonly #socket: Socket;
  readonly #inbox: LineInbox;

  private constructor(name: string, socket: Socket) {
    this.name = name;
    this.#socket = socket;
    this.#inbox = new LineInbox(socket, MAX_SERVER_LINE);
  }

  /** Connects, or rejects with a one-line reason within `timeoutMs`. */
  static async open(target: Target, name: string, timeoutMs: number): Promise<Probe> {
    const socket = connect({ host: target.host, port: target.port });
    try {
      await whenConnected(socket, timeoutMs);
    } catch (error) {
      const { message, code } = error as ConnectError;
      throw new Error(
        code === 'TIMEOUT'
          ? `connect to ${target.host}:${target.port} timed out after ${timeoutMs} ms`
          : `cannot connect to ${target.host}:${target.port}: ${code ?? message}`,
        { cause: error },
      );
    }
    return new Probe(name, socket);
  }

  get closed(): boolean {
    return this.#inbox.closed;
  }

  /** Lines received and not taken yet. */
  get pending(): number {
    return this.#inbox.pending;
  }

  /** Sends bytes, whole or cut into segments; resolves once the kernel has taken them. */
  async send(bytes: Buffer, segmenting?: Segmenting): Promise<void> {
    if (this.#inbox.closed || this.#socket.destroyed) throw new Error(`${this.name}: connection is closed`);
    if (segmenting === undefined) return this.#write(bytes);
    this.#socket.setNoDelay(true);
    for (let at = 0; at < bytes.length; at += segmenting.bytesPerSegment) {
      await this.#write(bytes.subarray(at, at + segmenting.bytesPerSegment));
      if (segmenting.pauseMs > 0) await sleep(segmenting.pauseMs);
    }
  }

  #write(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#socket.write(bytes, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** The next line, CLOSED once the server closed and all lines were taken, undefined on timeout. */
  async next(timeoutMs: number): Promise<Received | typeof CLOSED | undefined> {
    const entry = await this.#inbox.next(timeoutMs);
    return entry === undefined || entry === CLOSED ? entry : toReceived(entry);
  }

  /** Takes lines until one satisfies `wanted`; the lines passed over are returned in `skipped`. */
  async waitFor(wanted: (line: Received) => boolean, timeoutMs: number): Promise<{ found?: Received; skipped: Received[] }> {
    const deadline = Date.now() + timeoutMs;
    const skipped: Received[] = [];
    for (;;) {
      const line = await this.next(deadline - Date.now());
      if (line === undefined || line === CLOSED) return { skipped };
      if (wanted(line)) return { found: line, skipped };
      skipped.push(line);
    }
  }

  /** Resolves true once the connection is closed, false if it is still open after `timeoutMs`. */
  waitClosed(timeoutMs: number): Promise<boolean> {
    return this.#inbox.waitClosed(timeoutMs);
  }

  /** Stops reading the socket (a slow reader): the server's output piles up on its side. */
  stopReading(): void {
    this.#socket.pause();
  }

  /** Closes politely at the end of a check: reads again (a slow reader too) and sends FIN. */
  finish(): void {
    this.#socket.resume();
    this.#socket.end();
  }

  /** Half-closes: sends FIN, keeps reading. */
  end(): void {
    this.#socket.end();
  }

  /** Closes abruptly with a TCP RST. */
  reset(): void {
    if (!this.#socket.destroyed) this.#socket.resetAndDestroy();
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

function toReceived(entry: InboxEntry): Received {
  if (entry.kind === 'too-long') {
    return { text: '', bytes: Buffer.from('(a line over 1 MiB)'), pdu: { kind: 'UNKNOWN', line: '' }, invalid: 'over-long line' };
  }
  const { bytes } = entry;
  const decoded = decodeLine(bytes);
  if (decoded.ok) return { text: decoded.text, bytes, pdu: parseServerLine(decoded.text) };
  const lossy = bytes.toString('utf8');
  return { text: lossy, bytes, pdu: parseServerLine(lossy), invalid: decoded.reason };
}
