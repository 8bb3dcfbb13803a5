import { connect, type Socket } from 'node:net';
import { firstStamp, nowMicros } from './clock.js';
import { SYNC_TOKEN, type ClientSpec, type Dialect } from './dialects.js';
import type { Histogram } from './histogram.js';
import { PatternCounter } from './pattern-counter.js';


/**
 * One connection of the load generator. Until it is ready it looks for the dialect's ready
 * marker; after that a receiver only counts delivery markers in bulk (indexOf) and samples the
 * first send stamp of each chunk, and every client counts the SYNC_TOKEN replies to its pings.
 */
export class LoadClient {
  readonly spec: ClientSpec;
  readonly socket: Socket;
  /** Messages received since the last reset. */
  deliveries = 0;
  /** Ping replies received since the connection opened. */
  pongs = 0;
  ready = false;
  closed = false;
  onPong: (() => void) | undefined;
  readonly #latency: Histogram;
  readonly #deliveries: PatternCounter;
  readonly #pongs = new PatternCounter(SYNC_TOKEN);
  #handshake = '';

  constructor(spec: ClientSpec, socket: Socket, dialect: Dialect, latency: Histogram) {
    this.spec = spec;
    this.socket = socket;
    this.#latency = latency;
    this.#deliveries = new PatternCounter(dialect.deliveryMarker);
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
      const client = new LoadClient(spec, socket, dialect, latency);
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
      this.deliveries += this.#deliveries.count(chunk);
      const stamp = firstStamp(chunk);
      if (stamp >= 0) this.#latency.record(nowMicros() - stamp);
    }
    for (let found = this.#pongs.count(chunk); found > 0; found--) {
      this.pongs++;
      this.onPong?.();
    }
  }
}
