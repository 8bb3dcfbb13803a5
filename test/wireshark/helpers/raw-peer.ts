import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A raw TCP client that controls segmentation: Nagle off, and each chunk written only after the
 * previous one left (write callback + a short gap), so every chunk becomes its own TCP segment.
 */
export class RawPeer {
  readonly #socket: Socket;
  #received = '';

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => {
      this.#received += data;
    });
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawPeer> {
    const socket = connect(port, host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawPeer(socket);
  }

  /** Connects and waits for the server's HELLO. */
  static async greeted(port: number): Promise<RawPeer> {
    const peer = await RawPeer.connect(port);
    await peer.waitFor('HELLO ');
    return peer;
  }

  /** Sends `line` (LF added) as one segment and waits until the received bytes contain `reply`. */
  async request(line: string, reply: string): Promise<void> {
    await this.sendChunks([`${line}\n`]);
    await this.waitFor(reply);
  }

  get received(): string {
    return this.#received;
  }

  /** Writes each chunk as its own segment. */
  async sendChunks(chunks: (string | Buffer)[]): Promise<void> {
    for (const chunk of chunks) {
      await new Promise<void>((resolve, reject) => this.#socket.write(chunk, (error) => (error ? reject(error) : resolve())));
      await sleep(3);
    }
  }

  /** One byte per segment. */
  async sendBytewise(text: string): Promise<void> {
    await this.sendChunks([...Buffer.from(text, 'utf8')].map((b) => Buffer.from([b])));
  }

  /** Waits until the received bytes (as latin1), from offset `from` on, contain `text`. */
  async waitFor(text: string, timeoutMs = 5000, from = 0): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#received.includes(text, from)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(text)}; got:\n${this.#received}`);
      await sleep(5);
    }
  }

  async close(): Promise<void> {
    this.#socket.end();
    await new Promise<void>((resolve) => {
      if (this.#socket.closed) resolve();
      else this.#socket.once('close', () => resolve());
    });
  }
}
