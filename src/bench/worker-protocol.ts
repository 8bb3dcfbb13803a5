import type { ClientSpec, ServerKind } from './dialects.js';
import type { HistogramSnapshot } from './histogram.js';

/** What a load worker is started with. */
export interface WorkerSetup {
  kind: ServerKind;
  host: string;
  port: number;
  /** Bytes of message text (the stamp and padding). */
  payloadSize: number;
}

export interface OpenCommand {
  op: 'open';
  clients: ClientSpec[];
  /** Source addresses to spread connections over (each has its own ephemeral ports). */
  localAddresses: string[];
  /** Handshakes in flight at once. */
  concurrency: number;
  timeoutMs: number;
}

/**
 * Senders of this worker send for `durationMs`: `rate` messages per second in all (open loop,
 * stamped with the time they were due), or with rate 0 as fast as the server acknowledges: batches
 * of `batch` messages followed by a ping, `depth` batches outstanding per sender.
 */
export interface SendCommand {
  op: 'send';
  rate: number;
  durationMs: number;
  batch: number;
  depth: number;
}

export type WorkerCommand =
  | OpenCommand
  | SendCommand
  /** Every client pings and waits for the pong, then counters start from zero. */
  | { op: 'sync'; timeoutMs: number }
  | { op: 'stats'; reset: boolean }
  | { op: 'close' };

export interface OpenResult {
  ready: number;
  failed: number;
  /** The first failure, for the report. */
  firstError?: string;
}

export interface SendResult {
  /** Messages written to sockets. */
  sent: number;
  /** Messages due that were not written because the socket was backed up (the server did not accept them). */
  refused: number;
}

export interface StatsResult {
  /** Messages received by receivers (delivery markers counted). */
  deliveries: number;
  /** One sample per received chunk: the first stamp in it. */
  latency: HistogramSnapshot;
  /** Ready clients whose connection closed. */
  closed: number;
  /** Presence notices counted by this thread's clients since they were ready (never reset). */
  presence: number;
  /**
   * Event-loop utilization of this thread since the last reset (0..1): near 1, the thread had
   * no idle time left and the generator, not the server, may have been the limit.
   */
  busy: number;
}

export interface WorkerRequest {
  id: number;
  command: WorkerCommand;
}

export interface WorkerReply {
  id: number;
  result?: unknown;
  error?: string;
}
