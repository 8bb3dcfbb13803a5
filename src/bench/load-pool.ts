import { Worker } from 'node:worker_threads';
import { Histogram } from './histogram.js';
import type { ClientSpec, ServerKind } from './dialects.js';
import type {
  OpenResult,
  SendCommand,
  SendResult,
  StatsResult,
  WorkerCommand,
  WorkerReply,
  WorkerSetup,
} from './worker-protocol.js';

const WORKER_URL = new URL('./load-worker.js', import.meta.url);

/**
 * Handshakes in flight at once, per server. ngIRCd listens with a backlog of 10 (see `ss -ltn`):
 * hundreds of SYNs at once are dropped and retried by the kernel after 1, 3, 7, 15 s, which
 * would measure TCP's retry timer rather than the server.
 */
const CONNECT_CONCURRENCY: Record<ServerKind, number> = { chatmsg: 500, redis: 500, irc: 8, 'irc-ping': 8 };

/** Source addresses on loopback: each has its own ~28,000 ephemeral ports towards one server port. */
const LOCAL_ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];

/** Deliveries and latency summed over the workers. */
export interface PoolStats {
  deliveries: number;
  latency: Histogram;
  closed: number;
}

/**
 * Load workers (threads, so the load does not share an event loop with the bench's main thread
 * or the server's process): receivers are spread over `receiverWorkers` threads, senders get one
 * thread of their own, so a busy receiver never delays a send stamp.
 */
export class LoadPool {
  readonly #receivers: Worker[];
  readonly #sender: Worker;
  readonly #kind: ServerKind;
  #nextId = 0;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor(setup: WorkerSetup, receiverWorkers: number) {
    this.#kind = setup.kind;
    const start = () => {
      const worker = new Worker(WORKER_URL, { workerData: setup });
      worker.on('message', (reply: WorkerReply) => this.#settle(reply));
      worker.on('error', (error) => this.#failAll(error));
      return worker;
    };
    this.#receivers = Array.from({ length: receiverWorkers }, start);
    this.#sender = start();
  }

  get #all(): Worker[] {
    return [...this.#receivers, this.#sender];
  }

  /** Opens senders and receivers (receivers dealt round-robin over the receiver threads). */
  async open(senders: ClientSpec[], receivers: ClientSpec[], timeoutMs = 120_000): Promise<OpenResult> {
    const concurrency = CONNECT_CONCURRENCY[this.#kind];
    const shares = this.#receivers.map((_, i) => receivers.filter((__, j) => j % this.#receivers.length === i));
    const command = (clients: ClientSpec[]): WorkerCommand => ({
      op: 'open',
      clients,
      localAddresses: LOCAL_ADDRESSES,
      concurrency: Math.max(1, Math.ceil(concurrency / this.#receivers.length)),
      timeoutMs,
    });
    const results = (await Promise.all([
      ...this.#receivers.map((worker, i) => this.#ask(worker, command(shares[i]!))),
      this.#ask(this.#sender, command(senders)),
    ])) as OpenResult[];
    return results.reduce(
      (sum, r) => {
        const merged: OpenResult = { ready: sum.ready + r.ready, failed: sum.failed + r.failed };
        const firstError = sum.firstError ?? r.firstError;
        if (firstError !== undefined) merged.firstError = firstError;
        return merged;
      },
      { ready: 0, failed: 0 },
    );
  }

  async sync(timeoutMs = 120_000): Promise<void> {
    await Promise.all(this.#all.map((worker) => this.#ask(worker, { op: 'sync', timeoutMs })));
  }

  send(command: Omit<SendCommand, 'op'>): Promise<SendResult> {
    return this.#ask(this.#sender, { op: 'send', ...command }) as Promise<SendResult>;
  }

  async stats(reset = false): Promise<PoolStats> {
    const results = (await Promise.all(this.#receivers.map((w) => this.#ask(w, { op: 'stats', reset })))) as StatsResult[];
    const senderStats = (await this.#ask(this.#sender, { op: 'stats', reset })) as StatsResult;
    const latency = new Histogram();
    let deliveries = 0;
    let closed = senderStats.closed;
    for (const result of results) {
      deliveries += result.deliveries;
      closed += result.closed;
      latency.add(result.latency);
    }
    return { deliveries, latency, closed };
  }

  async close(): Promise<void> {
    await Promise.all(this.#all.map((worker) => this.#ask(worker, { op: 'close' }).catch(() => undefined)));
    await Promise.all(this.#all.map((worker) => worker.terminate()));
  }

  #ask(worker: Worker, command: WorkerCommand): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, command });
    });
  }

  #settle(reply: WorkerReply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (reply.error !== undefined) pending.reject(new Error(reply.error));
    else pending.resolve(reply.result);
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}
