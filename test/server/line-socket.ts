import net from 'node:net';
import tls from 'node:tls';
import { CLOSED, LineInbox, type InboxEntry } from '../../src/client/line-inbox.js';
import { whenConnected } from '../../src/client/when-connected.js';

/** Server lines in tests are bounded by the server's --max-line; this only bounds a broken one. */
const MAX_LINE = 16 * 1024 * 1024;

/**
 * A raw CHAT-MSG connection for tests: real socket, lines collected as they arrive (through the
 * same LineInbox the conformance checker reads with), and `waitFor` that reads forward from a
 * cursor (so expectations are ordered).
 */
export class LineSocket {
  readonly socket: net.Socket;
  readonly #inbox: LineInbox;
  readonly #lines: string[] = [];
  #cursor = 0;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.#inbox = new LineInbox(socket, MAX_LINE);
  }

  /** Every line received so far, in order (an over-long one as a marker). */
  get lines(): string[] {
    for (let entry = this.#inbox.take(); entry !== undefined; entry = this.#inbox.take()) this.#lines.push(toText(entry));
    return this.#lines;
  }

  /** Resolves once the connection has closed. */
  get closed(): Promise<void> {
    return this.#inbox.whenClosed;
  }

  static connect(port: number, host = '127.0.0.1'): Promise<LineSocket> {
    return LineSocket.adopt(net.connect({ port, host, noDelay: true }));
  }

  /** Wraps a socket that is connecting (writes may already be queued on it) once it is connected. */
  static async adopt(socket: net.Socket, timeoutMs = 5000): Promise<LineSocket> {
    await whenConnected(socket, timeoutMs);
    return new LineSocket(socket);
  }

  /** Connects over TLS (1.3), trusting `ca` (PEM) for the server's certificate. */
  static async connectTls(port: number, ca: Buffer, host = '127.0.0.1', timeoutMs = 5000): Promise<LineSocket> {
    const socket = tls.connect({ port, host, ca, minVersion: 'TLSv1.3' });
    await whenConnected(socket, timeoutMs, 'secureConnect');
    return new LineSocket(socket);
  }

  /** Connects, reads HELLO, logs in as `id` and reads OK LOGIN. */
  static async login(port: number, id: string): Promise<LineSocket> {
    const client = await LineSocket.connect(port);
    await client.waitFor(/^HELLO CHAT-MSG\/1 /);
    client.send(`LOGIN ${id}\n`);
    await client.waitFor(`OK LOGIN ${id}`);
    return client;
  }

  get isClosed(): boolean {
    return this.#inbox.closed;
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends a request and waits for the next line after it that matches. */
  async request(line: string, expected: string | RegExp, timeoutMs?: number): Promise<string> {
    this.send(`${line}\n`);
    return this.waitFor(expected, timeoutMs);
  }

  /**
   * The next line from the cursor that equals `expected` (string) or matches it (RegExp);
   * moves the cursor past it. Rejects on timeout or when the connection closes first.
   */
  async waitFor(expected: string | RegExp, timeoutMs = 5000): Promise<string> {
    const matches = (line: string) => (typeof expected === 'string' ? line === expected : expected.test(line));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = this.lines;
      while (this.#cursor < lines.length) {
        const line = lines[this.#cursor++]!;
        if (matches(line)) return line;
      }
      const entry = await this.#inbox.next(deadline - Date.now());
      if (entry === CLOSED) throw new Error(`closed before ${expected}; got:\n${this.lines.join('\n')}`);
      if (entry === undefined) throw new Error(`timeout waiting for ${expected}; got:\n${this.lines.join('\n')}`);
      this.#lines.push(toText(entry));
    }
  }

  /** Lines from the cursor on, without moving it. */
  unread(): string[] {
    return this.lines.slice(this.#cursor);
  }

  /** Resolves once the server closed the connection (rejects after the timeout). */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    if (!(await this.#inbox.waitClosed(timeoutMs))) throw new Error(`not closed; got:\n${this.lines.join('\n')}`);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const utf8 = new TextDecoder('utf-8');

function toText(entry: InboxEntry): string {
  return entry.kind === 'line' ? utf8.decode(entry.bytes) : '(a line over the limit)';
}

export { setTimeout as sleep } from 'node:timers/promises';

/** The connections a test suite opened, so its afterAll can close them all. */
export class SocketPool {
  readonly #port: () => number;
  readonly #open: LineSocket[] = [];

  /** `port` is read at each connect: the server may start after the pool is made. */
  constructor(port: () => number) {
    this.#port = port;
  }

  get size(): number {
    return this.#open.length;
  }

  /** Connects and reads HELLO. */
  async connect(): Promise<LineSocket> {
    const client = await LineSocket.connect(this.#port());
    this.#open.push(client);
    await client.waitFor(/^HELLO /);
    return client;
  }

  async login(id: string): Promise<LineSocket> {
    const client = await LineSocket.login(this.#port(), id);
    this.#open.push(client);
    return client;
  }

  /** Takes a connection made elsewhere, so destroyAll closes it too. */
  adopt(client: LineSocket): void {
    this.#open.push(client);
  }

  destroyAll(): void {
    for (const client of this.#open.splice(0)) client.destroy();
  }
}
