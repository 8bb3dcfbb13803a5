import { clientSpec, type ClientSpec, type Listening, type ServerKind } from './dialects.js';
import { LoadPool } from './load-pool.js';
import { runPhase, type PhaseResult } from './phase.js';
import { residentKiB } from './proc-stats.js';
import type { ServerUnderTest } from './servers.js';

export const WORKLOADS = ['fanout', 'direct', 'connections'] as const;
export type Workload = (typeof WORKLOADS)[number];

/** What every workload gets from the runner. */
export interface WorkloadContext {
  /** Starts (or, for --server, points at) a server of this kind able to take `clients` connections. */
  start(kind: ServerKind, clients: number): Promise<ServerUnderTest>;
  progress(line: string): void;
  durationMs: number;
  payloadSize: number;
  receiverWorkers: number;
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

export interface DirectResult {
  kind: ServerKind;
  label: string;
  pairs: number;
  ladder: PhaseResult[];
  /** The highest offered rate held (messages per second), 0 when none was. */
  highestHeld: number;
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
  rssBeforeKiB: number | undefined;
  rssAfterKiB: number | undefined;
  /** (RSS after - RSS before) / clients. */
  perClientKiB: number | undefined;
  /** One broadcast to all of them. */
  broadcast: PhaseResult;
}

async function withPool<T>(
  context: WorkloadContext,
  server: ServerUnderTest,
  use: (pool: LoadPool) => Promise<T>,
): Promise<T> {
  const pool = new LoadPool(
    { kind: server.kind, host: server.host, port: server.port, payloadSize: context.payloadSize },
    context.receiverWorkers,
  );
  try {
    return await use(pool);
  } finally {
    await pool.close();
    await server.stop();
  }
}

async function openAll(pool: LoadPool, senders: ClientSpec[], receivers: ClientSpec[]): Promise<void> {
  const opened = await pool.open(senders, receivers);
  if (opened.failed > 0) {
    throw new Error(`${opened.failed} of ${senders.length + receivers.length} clients failed: ${opened.firstError}`);
  }
  await pool.sync();
}

function specs(role: 'sender' | 'receiver', count: number, listening: Listening): ClientSpec[] {
  return Array.from({ length: count }, (_, i) => clientSpec(role, i + 1, listening));
}

/** A ladder stops after two rates in a row were not held (one miss may be a hiccup of a shared machine). */
function failedTwice(steps: PhaseResult[]): boolean {
  return steps.length >= 2 && !steps.at(-1)!.held && !steps.at(-2)!.held;
}

function describe(phase: PhaseResult): string {
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
    const phase = async (rate: number) => {
      const result = await runPhase(pool, server, { rate, durationMs: context.durationMs, fanOut: receivers });
      context.progress(`  fanout ${server.label} N=${receivers} ${describe(result)}`);
      return result;
    };
    const steps: PhaseResult[] = [];
    for (const deliveries of ladder) {
      steps.push(await phase(deliveries / receivers));
      if (failedTwice(steps)) break;
    }
    const max = await phase(0);
    const half = await phase(Math.max(1, max.deliveriesPerSecond / 2 / receivers));
    return { kind, label: server.label, receivers, ladder: steps, max, half };
  });
}

/** Direct: `pairs` senders each write to their own receiver, at rising total rates until two in a row are not held. */
export async function direct(
  context: WorkloadContext,
  kind: ServerKind,
  pairs: number,
  ladder: readonly number[],
): Promise<DirectResult> {
  const server = await context.start(kind, 2 * pairs);
  return withPool(context, server, async (pool) => {
    const receivers = specs('receiver', pairs, 'direct');
    const senders = specs('sender', pairs, 'direct').map((sender, i) => ({ ...sender, to: receivers[i]!.name }));
    await openAll(pool, senders, receivers);
    const steps: PhaseResult[] = [];
    for (const rate of ladder) {
      const step = await runPhase(pool, server, { rate, durationMs: context.durationMs, fanOut: 1 });
      context.progress(`  direct ${server.label} pairs=${pairs} ${describe(step)}`);
      steps.push(step);
      if (failedTwice(steps)) break;
    }
    const held = steps.filter((step) => step.held);
    return { kind, label: server.label, pairs, ladder: steps, highestHeld: held.length === 0 ? 0 : Number(held.at(-1)!.offered) };
  });
}

/** Connections: `clients` clients log in (and listen to everyone); memory per client; one broadcast reaches all. */
export async function connections(context: WorkloadContext, kind: ServerKind, clients: number): Promise<ConnectionsResult> {
  const server = await context.start(kind, clients + 1);
  return withPool(context, server, async (pool) => {
    const rss = () => (server.pid === undefined ? undefined : residentKiB(server.pid));
    const rssBeforeKiB = rss();
    const start = performance.now();
    const opened = await pool.open(specs('sender', 1, 'broadcast'), specs('receiver', clients, 'broadcast'));
    const loginSeconds = (performance.now() - start) / 1000;
    await pool.sync(300_000);
    const quietSeconds = (performance.now() - start) / 1000;
    const rssAfterKiB = rss();
    const broadcast = await runPhase(pool, server, { rate: 0, durationMs: 0, fanOut: opened.ready - 1, flood: { batch: 1, depth: 1 } });
    const result: ConnectionsResult = {
      kind,
      label: server.label,
      clients,
      ready: opened.ready - 1,
      failed: opened.failed,
      loginSeconds,
      quietSeconds,
      rssBeforeKiB,
      rssAfterKiB,
      perClientKiB:
        rssBeforeKiB === undefined || rssAfterKiB === undefined ? undefined : (rssAfterKiB - rssBeforeKiB) / clients,
      broadcast,
    };
    if (opened.firstError !== undefined) result.firstError = opened.firstError;
    context.progress(
      `  connections ${server.label}: ${result.ready}/${clients} logged in in ${loginSeconds.toFixed(1)} s ` +
        `(quiet after ${quietSeconds.toFixed(1)} s), ${result.perClientKiB?.toFixed(2) ?? '?'} KiB/client, ` +
        `broadcast reached ${broadcast.deliveries} in ${broadcast.maxMs.toFixed(0)} ms`,
    );
    return result;
  });
}
