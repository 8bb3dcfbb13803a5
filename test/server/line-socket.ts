import net from 'node:net';
import tls from 'node:tls';

/**
 * A raw CHAT-MSG connection for tests: real socket, lines collected as they arrive, and
 * `waitFor` that reads forward from a cursor (so expectations are ordered).
 */
export class LineSocket {
  readonly socket: net.Socket;
  readonly lines: string[] = [];
  #tail = '';
  #cursor = 0;
  #waiters = new Set<() => void>();
  #closed = false;
  readonly closed: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const parts = (this.#tail + chunk).split('\n');
      this.#tail = parts.pop()!;
      this.lines.push(...parts);
      this.#wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.#closed = true;
        this.#wake();
        resolve();
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1'): Promise<LineSocket> {
    return LineSocket.adopt(net.connect({ port, host, noDelay: true }));
  }

  /** Wraps a socket that is connecting (writes may already be queued on it) once it is connected. */
  static adopt(socket: net.Socket): Promise<LineSocket> {
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new LineSocket(socket));
      });
    });
  }

  /** Connects over TLS (1.3), trusting `ca` (PEM) for the server's certificate. */
  static connectTls(port: number, ca: Buffer, host = '127.0.0.1'): Promise<LineSocket> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ port, host, ca, minVersion: 'TLSv1.3' });
      socket.once('error', reject);
      socket.once('secureConnect', () => {
        socket.off('error', reject);
        resolve(new LineSocket(socket));
      });
    });
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
    return this.#closed;
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
      while (this.#cursor < this.lines.length) {
        const line = this.lines[this.#cursor++]!;
        if (matches(line)) return line;
      }
      if (this.#closed) throw new Error(`closed before ${expected}; got:\n${this.lines.join('\n')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for ${expected}; got:\n${this.lines.join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#waiters.add(done);
      });
    }
  }

  /** Lines from the cursor on, without moving it. */
  unread(): string[] {
    return this.lines.slice(this.#cursor);
  }

  /** Resolves once the server closed the connection (rejects after the timeout). */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not closed; got:\n${this.lines.join('\n')}`)), timeoutMs);
    });
    try {
      await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  #wake(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
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
