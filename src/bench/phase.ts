import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadPool } from './load-pool.js';
import { cpuSeconds, mainThreadCpuSeconds, syscallCounts, type SyscallCounts } from './proc-stats.js';
import { nowMicros } from './clock.js';
import type { Window } from './profile-stages.js';
import { bottleneckOf, type Bottleneck, type Saturation } from './saturation.js';
import type { ServerUnderTest } from './servers.js';

/** How long deliveries may keep trickling in after the senders stop, and the poll interval. */
const DRAIN_QUIET_MS = 1500;
const DRAIN_MAX_MS = 15_000;
const POLL_MS = 100;

/**
 * Flood mode: batches outstanding per sender, and deliveries per batch (messages x receivers)
 * that a batch aims at, so the work in flight, and with it the queueing latency at "max", does
 * not grow with the number of receivers: 50 messages at N = 100, 5 at N = 1000, 1 at N = 5000.
 */
export const FLOOD = { depth: 4, deliveriesPerBatch: 5000, maxBatch: 50 } as const;

/** Messages per flood batch for this fan-out. */
export function floodBatch(fanOut: number): number {
  return Math.max(1, Math.min(FLOOD.maxBatch, Math.round(FLOOD.deliveriesPerBatch / fanOut)));
}

/** A rate is held when at least this share of what was due got sent, nothing was lost and p99 stays under the bound. */
export const HELD = { sentShare: 0.95, p99Ms: 50 } as const;

export interface PhaseResult {
  /** Offered messages per second, or 'max' for as fast as the server acknowledges. */
  offered: number | 'max';
  /** Offered deliveries per second (messages x receivers per message), undefined for 'max'. */
  offeredDeliveries: number | undefined;
  sent: number;
  refused: number;
  expected: number;
  deliveries: number;
  lost: number;
  /** Deliveries per second from the first send until the last delivery. */
  deliveriesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
  /** Server CPU time over the phase's wall time (1 = one core busy); undefined for --server. */
  serverCpu: number | undefined;
  /** The load generator's own CPU time (all its threads) over the phase's wall time. */
  benchCpu: number;
  /**
   * The server's read and write system calls during the phase (socket and log alike); per
   * message sent, they show what a message costs it in the kernel. Undefined for --server.
   */
  serverSyscalls: SyscallCounts | undefined;
  /** Receivers and senders whose connection closed during the phase. */
  closed: number;
  held: boolean;
  /**
   * How busy each side was while the senders sent: the server's main thread (CPU, 1 = a core)
   * and the generator's busiest sender and receiver threads (event-loop utilization).
   */
  saturation: Saturation;
  /** Which side was saturated, from `saturation`: a ratio is claimed only where it is 'server'. */
  bottleneck: Bottleneck;
  /** When the phase started and its drain ended, on the monotonic clock (nowMicros): where its samples are in a profile. */
  window: Window;
}

export interface PhaseOptions {
  /** Messages per second; 0 = as fast as acknowledged. */
  rate: number;
  durationMs: number;
  /** Receivers each message should reach: N for a broadcast, 1 for a direct message. */
  fanOut: number;
  /** Batching of the as-fast-as-acknowledged mode; FLOOD unless given. */
  flood?: { batch: number; depth: number };
}

/**
 * One measurement: the senders send for `durationMs`, then the phase waits until every expected
 * delivery arrived or nothing moved for DRAIN_QUIET_MS. Counters are zeroed first.
 */
export async function runPhase(pool: LoadPool, server: ServerUnderTest, options: PhaseOptions): Promise<PhaseResult> {
  const before = await pool.stats(true);
  const cpuBefore = server.pid === undefined ? undefined : cpuSeconds(server.pid);
  const threadBefore = server.pid === undefined ? undefined : mainThreadCpuSeconds(server.pid);
  const syscallsBefore = server.pid === undefined ? undefined : syscallCounts(server.pid);
  const benchBefore = process.cpuUsage();
  const start = performance.now();
  const startMicros = nowMicros();
  const flood = options.flood ?? { batch: floodBatch(options.fanOut), depth: FLOOD.depth };
  const sent = await pool.send({ rate: options.rate, durationMs: options.durationMs, ...flood });
  const expected = sent.sent * options.fanOut;
  // Read right when the senders stop: the drain that follows is mostly idle time.
  const sendSeconds = (performance.now() - start) / 1000;
  const threadAfter = server.pid === undefined ? undefined : mainThreadCpuSeconds(server.pid);
  let stats = await pool.stats();
  const saturation: Saturation = {
    serverThread: threadBefore === undefined || threadAfter === undefined ? undefined : (threadAfter - threadBefore) / sendSeconds,
    senders: stats.sendersBusy,
    receivers: stats.receiversBusy,
  };
  let lastCount = stats.deliveries;
  let lastChange = performance.now();
  while (stats.deliveries < expected) {
    const now = performance.now();
    if (now - lastChange > DRAIN_QUIET_MS || now - start > options.durationMs + DRAIN_MAX_MS) break;
    await sleep(POLL_MS);
    stats = await pool.stats();
    if (stats.deliveries !== lastCount) {
      lastCount = stats.deliveries;
      lastChange = performance.now();
    }
  }
  const seconds = (Math.max(lastChange, start + options.durationMs) - start) / 1000;
  const cpuAfter = server.pid === undefined ? undefined : cpuSeconds(server.pid);
  const syscallsAfter = server.pid === undefined ? undefined : syscallCounts(server.pid);
  const bench = process.cpuUsage(benchBefore);
  const lost = Math.max(0, expected - stats.deliveries);
  const due = options.rate > 0 ? Math.floor((options.rate * options.durationMs) / 1000) : sent.sent;
  const p99Ms = stats.latency.percentile(0.99) / 1000;
  return {
    offered: options.rate > 0 ? options.rate : 'max',
    offeredDeliveries: options.rate > 0 ? options.rate * options.fanOut : undefined,
    sent: sent.sent,
    refused: sent.refused,
    expected,
    deliveries: stats.deliveries,
    lost,
    deliveriesPerSecond: stats.deliveries / seconds,
    p50Ms: stats.latency.percentile(0.5) / 1000,
    p99Ms,
    maxMs: stats.latency.max / 1000,
    samples: stats.latency.count,
    serverCpu:
      cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / seconds,
    benchCpu: (bench.user + bench.system) / 1e6 / seconds,
    serverSyscalls:
      syscallsBefore === undefined || syscallsAfter === undefined
        ? undefined
        : { reads: syscallsAfter.reads - syscallsBefore.reads, writes: syscallsAfter.writes - syscallsBefore.writes },
    closed: stats.closed - before.closed,
    held: sent.sent >= due * HELD.sentShare && lost === 0 && p99Ms <= HELD.p99Ms && stats.closed === before.closed,
    saturation,
    bottleneck: bottleneckOf(saturation),
    window: { startMicros, endMicros: nowMicros() },
  };
}
