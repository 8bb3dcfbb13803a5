import { connect, type Socket } from 'node:net';
import { firstStamp, nowMicros } from './clock.js';
import { SYNC_TOKEN, type ClientSpec, type Dialect } from './dialects.js';
import type { Histogram } from './histogram.js';

const LF = 0x0a;
const TOKEN = Buffer.from(SYNC_TOKEN);

/**
 * One connection of the load generator. Until it is ready it looks for the dialect's ready
 * marker; after that a receiver only counts line feeds in bulk (indexOf) and samples the first
 * send stamp of each chunk, and every client counts the SYNC_TOKEN replies to its pings.
 */
export class LoadClient {
  readonly spec: ClientSpec;
  readonly socket: Socket;
  /** Line feeds received since the last reset. */
  lineFeeds = 0;
  /** Ping replies received since the connection opened. */
  pongs = 0;
  ready = false;
  closed = false;
  onPong: (() => void) | undefined;
  readonly #latency: Histogram;
  #handshake = '';
  #tail: Buffer = Buffer.alloc(0);

  constructor(spec: ClientSpec, socket: Socket, latency: Histogram) {
    this.spec = spec;
    this.socket = socket;
    this.#latency = latency;
  }

  /** Connects, sends the dialect's hello and resolves once the ready marker arrives. */
  static open(
    spec: ClientSpec,
    dialect: Dialect,
    where: { host: string; port: number; localAddress: string },
    latency: Histogram,
    timeoutMs: number,
  ): Promise<LoadClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: where.host, port: where.port, localAddress: where.localAddress, noDelay: true });
      const client = new LoadClient(spec, socket, latency);
      const marker = dialect.readyMarker(spec);
      const timer = setTimeout(() => fail(new Error(`${spec.name}: not ready after ${timeoutMs} ms`)), timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const becomeReady = () => {
        clearTimeout(timer);
        client.ready = true;
        client.#handshake = '';
        resolve(client);
      };
      socket.once('connect', () => {
        const hello = dialect.hello(spec);
        if (hello !== '') socket.write(hello);
        if (marker === '') becomeReady();
      });
      socket.on('data', (chunk: Buffer) => {
        if (client.ready) {
          client.#receive(chunk);
          return;
        }
        client.#handshake = (client.#handshake + chunk.toString('latin1')).slice(-64 * 1024);
        const at = client.#handshake.indexOf(marker);
        if (at !== -1) becomeReady();
      });
      socket.on('error', (error) => {
        if (!client.ready) fail(error);
      });
      socket.on('close', () => {
        if (!client.ready) fail(new Error(`${spec.name}: closed during the handshake`));
        client.closed = true;
      });
    });
  }

  #receive(chunk: Buffer): void {
    if (this.spec.role === 'receiver') {
      let lines = 0;
      for (let at = chunk.indexOf(LF); at !== -1; at = chunk.indexOf(LF, at + 1)) lines++;
      this.lineFeeds += lines;
      const stamp = firstStamp(chunk);
      if (stamp >= 0) this.#latency.record(nowMicros() - stamp);
    }
    this.#countPongs(chunk);
  }

  /** Counts SYNC_TOKEN in the chunk, including one split across the previous chunk's end. */
  #countPongs(chunk: Buffer): void {
    let found = 0;
    if (this.#tail.length > 0) {
      const joined = Buffer.concat([this.#tail, chunk.subarray(0, TOKEN.length - 1)]);
      if (joined.indexOf(TOKEN) !== -1) found++;
    }
    for (let at = chunk.indexOf(TOKEN); at !== -1; at = chunk.indexOf(TOKEN, at + TOKEN.length)) found++;
    this.#tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - (TOKEN.length - 1))));
    for (; found > 0; found--) {
      this.pongs++;
      this.onPong?.();
    }
  }
}
