import { connect, type Socket } from 'node:net';
import { firstStamp, nowMicros } from './clock.js';
import { SYNC_TOKEN, type ClientSpec, type Dialect } from './dialects.js';
import type { Histogram } from './histogram.js';
import { PatternCounter } from './pattern-counter.js';

/** Where a load client connects from and to. */
export interface Route {
  host: string;
  port: number;
  localAddress: string;
}

/** Handshake text kept while looking for a marker (the IRC NAMES list of a big channel is long). */
const HANDSHAKE_KEEP = 64 * 1024;

/**
 * Every socket of a worker thread reads into this one buffer (net's `onread`): a chunk is
 * counted before the callback returns, so no Buffer is allocated and no stream event is
 * emitted per read. At low rates the generator reads once per delivery, and it shares the two
 * cores with the server it measures: what it spends per read is taken from the server.
 */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

/**
 * One connection of the load generator. It connects and waits for the greeting, then (when
 * told, so a whole worker's clients can log in at once) sends the dialect's hello and waits for
 * the ready marker. After that a receiver only counts delivery markers in bulk (indexOf) and
 * samples the first send stamp of each chunk, and every client counts the SYNC_TOKEN replies to
 * its pings.
 */
export class LoadClient {
  readonly spec: ClientSpec;
  readonly socket: Socket;
  /** Messages received since the last reset. */
  deliveries = 0;
  /** Ping replies received since the connection opened. */
  pongs = 0;
  /** Presence notices (the dialect's presenceMarker) received since this client was ready. */
  presence = 0;
  ready = false;
  closed = false;
  onPong: (() => void) | undefined;
  readonly #dialect: Dialect;
  readonly #latency: Histogram;
  readonly #deliveries: PatternCounter;
  readonly #pongs = new PatternCounter(SYNC_TOKEN);
  readonly #presence: PatternCounter | undefined;
  /** What the handshake waits for, and what to do when it appears. */
  #waiting: { marker: string; step: string; found: () => void; failed: (error: Error) => void } | undefined;
  #handshake = '';

  private constructor(spec: ClientSpec, socket: Socket, dialect: Dialect, latency: Histogram) {
    this.spec = spec;
    this.socket = socket;
    this.#dialect = dialect;
    this.#latency = latency;
    this.#deliveries = new PatternCounter(dialect.deliveryMarker);
    this.#presence = dialect.presenceMarker === '' ? undefined : new PatternCounter(dialect.presenceMarker, 'dense');
    socket.on('error', (error) => this.#waiting?.failed(error));
    socket.on('close', () => {
      this.closed = true;
      this.#waiting?.failed(new Error(`${spec.name}: closed during the handshake`));
    });
  }

  /** Connects and resolves once the server's greeting (if the dialect has one) arrived. */
  static async connect(spec: ClientSpec, dialect: Dialect, route: Route, latency: Histogram, timeoutMs: number): Promise<LoadClient> {
    let client: LoadClient | undefined;
    const socket = connect({
      host: route.host,
      port: route.port,
      localAddress: route.localAddress,
      noDelay: true,
      onread: { buffer: readBuffer, callback: (length, buffer) => client!.#read(buffer.subarray(0, length) as Buffer) },
    });
    client = new LoadClient(spec, socket, dialect, latency);
    await client.#await(dialect.greetingMarker, timeoutMs, 'greeting', () => undefined);
    client.#handshake = '';
    return client;
  }

  /** Sends the hello and resolves once the ready marker arrived. */
  async login(timeoutMs: number): Promise<void> {
    const hello = this.#dialect.hello(this.spec);
    await this.#await(this.#dialect.readyMarker(this.spec), timeoutMs, 'login', () => {
      if (hello !== '') this.socket.write(hello);
    });
    this.#becomeReady('');
  }

  /**
   * From now on chunks are counted, not scanned; `rest` is what came after the ready marker in
   * the chunk that held it (presence notices of later logins may share that chunk).
   */
  #becomeReady(rest: string): void {
    if (this.ready) return;
    this.ready = true;
    this.#handshake = '';
    if (rest !== '') this.#receive(Buffer.from(rest, 'latin1'));
  }

  #await(marker: string, timeoutMs: number, step: string, start: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#waiting?.failed(new Error(`${this.spec.name}: no ${step} after ${Math.round(timeoutMs)} ms`)), timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        this.#waiting = undefined;
      };
      this.#waiting = {
        marker,
        step,
        found: () => {
          settle();
          resolve();
        },
        failed: (error) => {
          settle();
          this.socket.destroy();
          reject(error);
        },
      };
      const go = () => {
        start();
        if (marker === '' || this.#handshake.includes(marker)) this.#waiting?.found();
      };
      if (this.socket.connecting) this.socket.once('connect', go);
      else go();
    });
  }

  /** The onread callback (true: go on reading). `chunk` is the worker's shared read buffer. */
  #read(chunk: Buffer): boolean {
    if (this.ready) this.#receive(chunk);
    else this.#scan(chunk);
    return true;
  }

  #scan(chunk: Buffer): void {
    this.#handshake = (this.#handshake + chunk.toString('latin1')).slice(-HANDSHAKE_KEEP);
    const waiting = this.#waiting;
    if (waiting === undefined || waiting.marker === '') return;
    const at = this.#handshake.indexOf(waiting.marker);
    if (at === -1) return;
    // Ready now, not when the login promise settles: the next chunk must be counted.
    if (waiting.step === 'login') this.#becomeReady(this.#handshake.slice(at + waiting.marker.length));
    waiting.found();
  }

  #receive(chunk: Buffer): void {
    if (this.spec.role === 'receiver') {
      this.deliveries += this.#deliveries.count(chunk);
      const stamp = firstStamp(chunk);
      if (stamp >= 0) this.#latency.record(nowMicros() - stamp);
    }
    if (this.#presence !== undefined) this.presence += this.#presence.count(chunk);
    for (let found = this.#pongs.count(chunk); found > 0; found--) {
      this.pongs++;
      this.onPong?.();
    }
  }
}
