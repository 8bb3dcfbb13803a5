import { setTimeout as sleep } from 'node:timers/promises';
import { DIALECTS, clientSpec, type ClientSpec, type Listening, type ServerKind } from './dialects.js';
import { LoadPool } from './load-pool.js';
import { runPhase, type PhaseResult } from './phase.js';
import { cpuSeconds, residentKiB } from './proc-stats.js';
import type { ServerUnderTest } from './servers.js';

export const WORKLOADS = ['fanout', 'direct', 'connections', 'registration'] as const;

/** Bound of the connections workload's connect and login steps (and of its presence sync). */
const LOGIN_TIMEOUT_MS = 120_000;
/** The same bound for the setup of the fan-out and direct workloads. */
const SETUP_TIMEOUT_MS = 60_000;
/** Clients that log in at once in the connections workload. */
const LOGIN_WAVE = 250;
/**
 * A server's first seconds of traffic run code the JIT has not optimised yet (ours: V8): every
 * server gets this much unmeasured traffic, at its own pace, before a workload's first phase.
 */
const WARM_UP_MS = 1000;
/**
 * After a flood (the warm-up, the "max" phase) our server needs a few seconds at the new rate
 * before its latency settles: measured right after a flood, direct p99 at 1 k msg/s was 0.7-1.4 ms,
 * after 3 s of that rate 0.3-0.45 ms (see docs/PERFORMANCE.md). A measured phase that follows a
 * flood is preceded by this much unmeasured traffic at its own rate, for every server.
 */
const SETTLE_MS = 3000;
/** RSS readings during the idle wait, so the report shows when memory was given back. */
const IDLE_SAMPLE_MS = 1000;
/** How often the connections workload asks the workers how many presence notices arrived. */
const PRESENCE_POLL_MS = 20;
/** Presence counting that has not moved for this long has stalled: a notice was lost. */
const PRESENCE_STALL_MS = 10_000;
export type Workload = (typeof WORKLOADS)[number];

/** What every workload gets from the runner. */
export interface WorkloadContext {
  /** Starts (or, for --server, points at) a server of this kind able to take `clients` connections. */
  start(kind: ServerKind, clients: number): Promise<ServerUnderTest>;
  progress(line: string): void;
  durationMs: number;
  /** Quiet time before the idle memory reading of the connections workload. */
  idleMs: number;
  payloadSize: number;
  receiverWorkers: number;
  senderWorkers: number;
  senders: number;
}

export interface FanoutResult {
  kind: ServerKind;
  label: string;
  receivers: number;
  /** Fixed offered rates, rising until one is not held. */
  ladder: PhaseResult[];
  /** As fast as the server acknowledges. */
  max: PhaseResult;
  /** At half the deliveries per second of `max`. */
  half: PhaseResult;
}

export interface ConnectionsResult {
  kind: ServerKind;
  label: string;
  clients: number;
  ready: number;
  failed: number;
  firstError?: string;
  /** From the first connect until every client was logged in (ready marker seen). */
  loginSeconds: number;
  /** Until presence notices (JOINED / JOIN) to everyone were delivered too. */
  quietSeconds: number;
  /**
   * CPU the server used from the first connect until quiet (seconds; undefined for --server):
   * what the logins cost it, whatever else shared the machine, where quietSeconds is wall time.
   */
  loginCpuSeconds: number | undefined;
  rssBeforeKiB: number | undefined;
  /** Right after the logins and their presence notices. */
  rssAfterKiB: number | undefined;
  /**
   * After `idleMs` more without traffic: what idle clients cost once the runtime has given back
   * the transient memory of the logins (V8 shrinks its heap some 20 s after traffic stops).
   */
  rssIdleKiB: number | undefined;
  /** RSS every IDLE_SAMPLE_MS during the idle wait (empty for --server). */
  rssIdleSeriesKiB: number[];
  /** (RSS idle - RSS before) / clients logged in: includes the runtime's fixed growth (heap spaces). */
  perClientKiB: number | undefined;
  /**
   * RSS growth per client from half the clients to all of them, both read once every presence
   * notice so far was delivered: the marginal cost of one more client, without fixed costs.
   */
  marginalKiB: number | undefined;
  /** One broadcast to all of them. */
  broadcast: PhaseResult;
}

/** The generator's threads and clients for one server, as the context sizes them. */
export function newPool(context: WorkloadContext, server: ServerUnderTest): LoadPool {
  return new LoadPool(
    { kind: server.kind, host: server.host, port: server.port, payloadSize: context.payloadSize },
    context.receiverWorkers,
    context.senderWorkers,
  );
}

async function withPool<T>(
  context: WorkloadContext,
  server: ServerUnderTest,
  use: (pool: LoadPool) => Promise<T>,
): Promise<T> {
  const pool = newPool(context, server);
  try {
    return await use(pool);
  } finally {
    await pool.close();
    await server.stop();
  }
}

/** Opens senders and receivers in waves of LOGIN_WAVE (each quiet before the next); any failure is fatal. */
export async function openAll(pool: LoadPool, senders: ClientSpec[], receivers: ClientSpec[]): Promise<void> {
  const deadline = performance.now() + SETUP_TIMEOUT_MS;
  for (let from = 0; from === 0 || from < receivers.length; from += LOGIN_WAVE) {
    const wave = receivers.slice(from, from + LOGIN_WAVE);
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`not all ${receivers.length} receivers logged in within ${SETUP_TIMEOUT_MS / 1000} s`);
    const opened = await pool.open(from === 0 ? senders : [], wave, left);
    if (opened.failed > 0) {
      throw new Error(`${opened.failed} of ${opened.failed + opened.ready} clients failed: ${opened.firstError}`);
    }
    await pool.sync(Math.max(1000, deadline - performance.now()));
  }
}

export function specs(role: 'sender' | 'receiver', count: number, listening: Listening): ClientSpec[] {
  return Array.from({ length: count }, (_, i) => clientSpec(role, i + 1, listening));
}

/** Unmeasured traffic as fast as the server takes it (WARM_UP_MS, at most a phase's length). */
async function warmUpFlood(context: WorkloadContext, pool: LoadPool, server: ServerUnderTest, fanOut: number): Promise<void> {
  const result = await runPhase(pool, server, { rate: 0, durationMs: Math.min(WARM_UP_MS, context.durationMs), fanOut });
  context.progress(`  warm-up ${server.label}: ${Math.round(result.deliveriesPerSecond)} deliveries/s, not measured`);
}

/** The warm-up flood, then settling at `firstRate`, the rate the first measured phase offers. */
export async function warmUp(context: WorkloadContext, pool: LoadPool, server: ServerUnderTest, fanOut: number, firstRate: number): Promise<void> {
  await warmUpFlood(context, pool, server, fanOut);
  await settle(context, pool, server, firstRate, fanOut);
}

/** Unmeasured traffic at `rate` messages per second after a flood (SETTLE_MS, at most three phases' length). */
export async function settle(context: WorkloadContext, pool: LoadPool, server: ServerUnderTest, rate: number, fanOut: number): Promise<void> {
  const durationMs = Math.min(SETTLE_MS, 3 * context.durationMs);
  await runPhase(pool, server, { rate, durationMs, fanOut });
  context.progress(`  settle ${server.label}: ${(durationMs / 1000).toFixed(1)} s at ${Math.round(rate)} msg/s, not measured`);
}

/** A ladder stops after two rates in a row were not held (one miss may be a hiccup of a shared machine). */
export function failedTwice(steps: PhaseResult[]): boolean {
  return steps.length >= 2 && !steps.at(-1)!.held && !steps.at(-2)!.held;
}

export function describePhase(phase: PhaseResult): string {
  const offered = phase.offered === 'max' ? 'max' : `${Math.round(phase.offered)} msg/s`;
  return (
    `${offered}: ${Math.round(phase.deliveriesPerSecond)} deliveries/s, p50 ${phase.p50Ms.toFixed(2)} ms, ` +
    `p99 ${phase.p99Ms.toFixed(2)} ms, max ${phase.maxMs.toFixed(1)} ms, lost ${phase.lost}` +
    (phase.held ? '' : ' (not held)')
  );
}

/**
 * Fan-out: `receivers` clients listen to everyone, `senders` clients broadcast at each offered
 * rate of `ladder` (deliveries per second) until two in a row are not held, then as fast as acknowledged,
 * then at half of that.
 */
export async function fanout(
  context: WorkloadContext,
  kind: ServerKind,
  receivers: number,
  ladder: readonly number[],
): Promise<FanoutResult> {
  const server = await context.start(kind, receivers + context.senders);
  return withPool(context, server, async (pool) => {
    await openAll(pool, specs('sender', context.senders, 'broadcast'), specs('receiver', receivers, 'broadcast'));
    await warmUp(context, pool, server, receivers, ladder[0]! / receivers);
    const phase = async (rate: number) => {
      const result = await runPhase(pool, server, { rate, durationMs: context.durationMs, fanOut: receivers });
      context.progress(`  fanout ${server.label} N=${receivers} ${describePhase(result)}`);
      return result;
    };
    const steps: PhaseResult[] = [];
    for (const deliveries of ladder) {
      steps.push(await phase(deliveries / receivers));
      if (failedTwice(steps)) break;
    }
    const max = await phase(0);
    const halfRate = Math.max(1, max.deliveriesPerSecond / 2 / receivers);
    await settle(context, pool, server, halfRate, receivers);
    const half = await phase(halfRate);
    return { kind, label: server.label, receivers, ladder: steps, max, half };
  });
}

/**
 * Waits until the clients have counted `expected` presence notices in all (n clients logged in:
 * n(n-1)/2, one per pair), then makes one ping round trip so that nothing queued before is still
 * on its way. Throws when the count stops moving (a notice was lost) or at the deadline.
 */
async function presenceDelivered(pool: LoadPool, expected: number, deadline: number): Promise<void> {
  let counted = -1;
  let movedAt = performance.now();
  for (;;) {
    const { presence } = await pool.stats();
    if (presence >= expected) break;
    const now = performance.now();
    if (presence !== counted) {
      counted = presence;
      movedAt = now;
    } else if (now - movedAt > PRESENCE_STALL_MS) {
      throw new Error(`presence notices stopped at ${presence} of ${expected} for ${PRESENCE_STALL_MS / 1000} s`);
    }
    if (now > deadline) throw new Error(`${presence} of ${expected} presence notices after ${LOGIN_TIMEOUT_MS / 1000} s`);
    await sleep(PRESENCE_POLL_MS);
  }
  await pool.sync(Math.max(1000, deadline - performance.now()));
}

/** Presence notices n clients receive when each is told of every later login: one per pair. */
const presencePairs = (kind: ServerKind, online: number) => (DIALECTS[kind].presenceMarker === '' ? 0 : (online * (online - 1)) / 2);

/**
 * Connections: `clients` clients log in (and listen to everyone) in waves of LOGIN_WAVE, one
 * wave's logins after the other's, without waiting for presence in between (as users arrive);
 * "quiet" is when every client has counted every presence notice meant for it. Then memory per
 * client, and one broadcast must reach them all. Everything stops at LOGIN_TIMEOUT_MS.
 */
export async function connections(context: WorkloadContext, kind: ServerKind, clients: number): Promise<ConnectionsResult> {
  const server = await context.start(kind, clients + 1);
  return withPool(context, server, async (pool) => {
    const rss = () => (server.pid === undefined ? undefined : residentKiB(server.pid));
    const rssBeforeKiB = rss();
    const cpu = () => (server.pid === undefined ? undefined : cpuSeconds(server.pid));
    const cpuBefore = cpu();
    const start = performance.now();
    const receivers = specs('receiver', clients, 'broadcast');
    let ready = 0;
    let failed = 0;
    let firstError: string | undefined;
    let loginSeconds = 0;
    let online = 0;
    let half: { ready: number; rss: number | undefined } | undefined;
    const deadline = start + LOGIN_TIMEOUT_MS;
    try {
      for (let from = 0; from < clients; from += LOGIN_WAVE) {
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`stopped after ${LOGIN_TIMEOUT_MS / 1000} s with ${ready} logged in`);
        const senders = from === 0 ? specs('sender', 1, 'broadcast') : [];
        const opened = await pool.open(senders, receivers.slice(from, from + LOGIN_WAVE), left);
        online += opened.ready;
        ready += opened.ready - senders.length;
        failed += opened.failed;
        firstError ??= opened.firstError;
        loginSeconds = (performance.now() - start) / 1000;
        if (half === undefined && ready >= clients / 2) {
          // Read at a quiet point too, like the reading after the last wave, so the two compare.
          await presenceDelivered(pool, presencePairs(kind, online), deadline);
          half = { ready, rss: rss() };
        }
      }
      await presenceDelivered(pool, presencePairs(kind, online), deadline);
    } catch (error) {
      firstError ??= (error as Error).message;
    }
    const quietSeconds = (performance.now() - start) / 1000;
    const cpuAfter = cpu();
    const loginCpuSeconds = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
    const rssAfterKiB = rss();
    const rssIdleSeriesKiB: number[] = [];
    for (let waited = 0; waited < context.idleMs; waited += IDLE_SAMPLE_MS) {
      await sleep(Math.min(IDLE_SAMPLE_MS, context.idleMs - waited));
      const reading = rss();
      if (reading !== undefined) rssIdleSeriesKiB.push(reading);
    }
    const rssIdleKiB = rss();
    const broadcast = await runPhase(pool, server, { rate: 0, durationMs: 0, fanOut: ready, flood: { batch: 1, depth: 1 } });
    const result: ConnectionsResult = {
      kind,
      label: server.label,
      clients,
      ready,
      failed,
      loginSeconds,
      quietSeconds,
      loginCpuSeconds,
      rssBeforeKiB,
      rssAfterKiB,
      rssIdleKiB,
      rssIdleSeriesKiB,
      perClientKiB:
        rssBeforeKiB === undefined || rssIdleKiB === undefined || ready === 0 ? undefined : (rssIdleKiB - rssBeforeKiB) / ready,
      marginalKiB:
        half?.rss === undefined || rssAfterKiB === undefined || ready <= half.ready
          ? undefined
          : (rssAfterKiB - half.rss) / (ready - half.ready),
      broadcast,
    };
    if (firstError !== undefined) result.firstError = firstError;
    context.progress(
      `  connections ${server.label}: ${ready}/${clients} logged in in ${loginSeconds.toFixed(1)} s ` +
        `(quiet after ${quietSeconds.toFixed(1)} s, server CPU ${loginCpuSeconds?.toFixed(1) ?? '?'} s), ${result.perClientKiB?.toFixed(2) ?? '?'} KiB/client ` +
        `(marginal ${result.marginalKiB?.toFixed(2) ?? '?'}), ` +
        `broadcast reached ${broadcast.deliveries} in ${broadcast.maxMs.toFixed(0)} ms` +
        (firstError === undefined ? '' : `; ${failed} failed, ${firstError}`),
    );
    return result;
  });
}
