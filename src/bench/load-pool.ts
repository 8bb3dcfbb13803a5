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
const CONNECT_CONCURRENCY: Record<ServerKind, number> = { chatmsg: 500, redis: 500, irc: 8, 'irc-ping': 8, relay: 500, baseline: 500 };

/** Source addresses on loopback: each has its own ~28,000 ephemeral ports towards one server port. */
const LOCAL_ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];

/** Deliveries and latency summed over the workers. */
export interface PoolStats {
  deliveries: number;
  latency: Histogram;
  closed: number;
  /** Presence notices counted by every client, senders included, since each was ready. */
  presence: number;
  /** Event-loop utilization of the busiest sender thread since the last reset (0..1). */
  sendersBusy: number;
  /** The same for the busiest receiver thread. */
  receiversBusy: number;
}

/** Deals items round-robin into `shares` lists. */
function deal<T>(items: readonly T[], shares: number): T[][] {
  return Array.from({ length: shares }, (_, i) => items.filter((__, j) => j % shares === i));
}

/**
 * Load workers (threads, so the load does not share an event loop with the bench's main thread
 * or the server's process): receivers are spread over `receiverWorkers` threads, senders over
 * `senderWorkers` threads of their own, so a busy receiver never delays a send stamp and one
 * thread's stamping and writing does not cap the offered rate. Each thread reports how busy its
 * event loop was, so a report can tell a saturated generator from a saturated server.
 */
export class LoadPool {
  readonly #receivers: Worker[];
  readonly #senders: Worker[];
  /** Senders opened on each sender thread: a fixed rate is split between threads in proportion. */
  readonly #sendersPerThread: number[];
  readonly #kind: ServerKind;
  #nextId = 0;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor(setup: WorkerSetup, receiverWorkers: number, senderWorkers: number) {
    this.#kind = setup.kind;
    const start = () => {
      const worker = new Worker(WORKER_URL, { workerData: setup });
      worker.on('message', (reply: WorkerReply) => this.#settle(reply));
      worker.on('error', (error) => this.#failAll(error));
      return worker;
    };
    this.#receivers = Array.from({ length: receiverWorkers }, start);
    this.#senders = Array.from({ length: senderWorkers }, start);
    this.#sendersPerThread = this.#senders.map(() => 0);
  }

  get #all(): Worker[] {
    return [...this.#receivers, ...this.#senders];
  }

  /** Opens senders and receivers (receivers dealt round-robin over the receiver threads). */
  async open(senders: ClientSpec[], receivers: ClientSpec[], timeoutMs = 120_000): Promise<OpenResult> {
    const concurrency = CONNECT_CONCURRENCY[this.#kind];
    const shares = deal(receivers, this.#receivers.length);
    const senderShares = deal(senders, this.#senders.length);
    senderShares.forEach((share, i) => (this.#sendersPerThread[i]! += share.length));
    const command = (clients: ClientSpec[]): WorkerCommand => ({
      op: 'open',
      clients,
      localAddresses: LOCAL_ADDRESSES,
      concurrency: Math.max(1, Math.ceil(concurrency / this.#receivers.length)),
      timeoutMs,
    });
    const results = (await Promise.all([
      ...this.#receivers.map((worker, i) => this.#ask(worker, command(shares[i]!))),
      ...this.#senders.map((worker, i) => this.#ask(worker, command(senderShares[i]!))),
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

  /** Every sender thread sends at once; a fixed rate is split in proportion to each thread's senders. */
  async send(command: Omit<SendCommand, 'op'>): Promise<SendResult> {
    const senders = this.#sendersPerThread.reduce((sum, n) => sum + n, 0);
    const results = (await Promise.all(
      this.#senders.map((worker, i) => {
        const share = senders === 0 ? 0 : this.#sendersPerThread[i]! / senders;
        return this.#ask(worker, { op: 'send', ...command, rate: command.rate * share });
      }),
    )) as SendResult[];
    return results.reduce((sum, r) => ({ sent: sum.sent + r.sent, refused: sum.refused + r.refused }), { sent: 0, refused: 0 });
  }

  async stats(reset = false): Promise<PoolStats> {
    const ask = (worker: Worker) => this.#ask(worker, { op: 'stats', reset }) as Promise<StatsResult>;
    const [receiverStats, senderStats] = await Promise.all([Promise.all(this.#receivers.map(ask)), Promise.all(this.#senders.map(ask))]);
    const latency = new Histogram();
    let deliveries = 0;
    let closed = 0;
    for (const result of receiverStats) {
      deliveries += result.deliveries;
      latency.add(result.latency);
    }
    let presence = 0;
    for (const result of [...receiverStats, ...senderStats]) {
      closed += result.closed;
      presence += result.presence;
    }
    const busiest = (results: StatsResult[]) => Math.max(0, ...results.map((r) => r.busy));
    return { deliveries, latency, closed, presence, sendersBusy: busiest(senderStats), receiversBusy: busiest(receiverStats) };
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
