import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerKind } from './dialects.js';
import type { LoadPool } from './load-pool.js';
import { runPhase, type PhaseResult } from './phase.js';
import { stageTimes, type CpuProfile, type Stage } from './profile-stages.js';
import type { ServerUnderTest } from './servers.js';
import { describePhase, failedTwice, newPool, openAll, specs, warmUp, type WorkloadContext } from './workloads.js';

export interface DirectResult {
  kind: ServerKind;
  label: string;
  pairs: number;
  ladder: PhaseResult[];
  /** The highest offered rate held (messages per second), 0 when none was. */
  highestHeld: number;
  /** With --profile (our server): its CPU per message by stage, over its whole run. */
  profile?: DirectProfile | undefined;
}

/** CPU per direct message by stage, from the server's profile, at each offered rate of the ladder. */
export interface DirectProfile {
  file: string;
  rates: RateProfile[];
}

export interface RateProfile {
  offered: number;
  /** Messages sent in the phase. */
  messages: number;
  /** Busy (not idle) microseconds of the server's main thread per message. */
  busyMicrosPerMessage: number;
  /** Microseconds per message in each stage. */
  microsPerMessage: Record<Stage, number>;
}

/** Reads the profile our server wrote at exit and divides each phase's stage times by its messages. */
function directProfile(file: string, ladder: readonly PhaseResult[]): DirectProfile {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const rates = ladder.map((step): RateProfile => {
    const { busyMicros, stages } = stageTimes(profile, step.window);
    const per = (micros: number) => (step.sent === 0 ? 0 : micros / step.sent);
    const microsPerMessage = Object.fromEntries(Object.entries(stages).map(([stage, micros]) => [stage, per(micros)])) as Record<Stage, number>;
    return { offered: Number(step.offered), messages: step.sent, busyMicrosPerMessage: per(busyMicros), microsPerMessage };
  });
  return { file, rates };
}

/**
 * Time with no traffic after every server's clients logged in, before the first warm-up. Without
 * it the first server measured at the first rate read 2.6-7.3 ms p99 in six runs out of six
 * where the others read 1.3-1.8; with 15 s, 1.35-1.55 in the second and third runs of a
 * `--repeat 3` (the first run of a bench process still read 3.4-3.6). The start-up work of the
 * servers and generator threads just started is the suspect, not pinned down (docs/PERFORMANCE.md).
 */
const QUIET_AFTER_LOGINS_MS = 15_000;

/** One server of the direct workload: its pool of clients and the phases it has run. */
interface Lane {
  kind: ServerKind;
  server: ServerUnderTest;
  pool: LoadPool;
  steps: PhaseResult[];
  /** Two rates in a row not held, or failed: no more phases. */
  done: boolean;
  /** Failed outright (reported through DirectEvents): no result. */
  failed: boolean;
}

/** What the direct workload reports to the runner besides its results. */
export interface DirectEvents {
  /** A server could not be started or failed during its phases; the others go on. */
  failed(kind: ServerKind, error: unknown): void;
}

/**
 * Direct: `pairs` senders each write to their own receiver, at rising total rates until two in
 * a row are not held, on every server of `kinds` at once. The servers run side by side, each
 * with its own clients, and take turns at each rate, in an order that rotates from one rate to
 * the next: on a shared machine a spell of noise lasts seconds and falls on whichever server
 * runs then, so a server measured alone, one after the other, could lose a latency comparison
 * to the clock. Taking turns spreads such spells over all of them (docs/PERFORMANCE.md).
 */
export async function direct(
  context: WorkloadContext,
  kinds: readonly ServerKind[],
  pairs: number,
  ladder: readonly number[],
  events: DirectEvents,
): Promise<DirectResult[]> {
  const lanes: Lane[] = [];
  const fail = (lane: Lane, error: unknown) => {
    lane.done = true;
    lane.failed = true;
    events.failed(lane.kind, error);
  };
  try {
    for (const kind of kinds) {
      const lane = await openLane(context, kind, pairs).catch((error: unknown) => events.failed(kind, error));
      if (lane !== undefined) lanes.push(lane);
    }
    const quietMs = Math.min(QUIET_AFTER_LOGINS_MS, 7.5 * context.durationMs);
    context.progress(`  quiet: ${(quietMs / 1000).toFixed(1)} s after the logins of every server, not measured`);
    await sleep(quietMs);
    for (const [index, rate] of ladder.entries()) {
      for (const lane of rotated(lanes, index)) {
        if (lane.done) continue;
        try {
          // Each server's warm-up flood and a few seconds at the first rate come right before its
          // first phase. With every flood first, the first server measured had sat idle through
          // the others' floods and paid for it: p99 at the first rate 3.4-3.9 ms in five runs out
          // of five, against 1.4-1.9 once each warmed up just before (docs/PERFORMANCE.md).
          if (index === 0) await warmUp(context, lane.pool, lane.server, 1, rate);
          const step = await runPhase(lane.pool, lane.server, { rate, durationMs: context.durationMs, fanOut: 1 });
          context.progress(`  direct ${lane.server.label} pairs=${pairs} ${describePhase(step)}`);
          lane.steps.push(step);
          if (failedTwice(lane.steps)) lane.done = true;
        } catch (error) {
          fail(lane, error);
        }
      }
    }
  } finally {
    await stopLanes(lanes);
  }
  // The servers are stopped: their profiles are written.
  return lanes.filter((lane) => !lane.failed).map((lane) => result(lane, pairs));
}

/** Starts a server of `kind` and logs in its senders and receivers. */
async function openLane(context: WorkloadContext, kind: ServerKind, pairs: number): Promise<Lane> {
  const server = await context.start(kind, 2 * pairs);
  const pool = newPool(context, server);
  const lane: Lane = { kind, server, pool, steps: [], done: false, failed: false };
  try {
    const receivers = specs('receiver', pairs, 'direct');
    const senders = specs('sender', pairs, 'direct').map((sender, i) => ({ ...sender, to: receivers[i]!.name }));
    await openAll(pool, senders, receivers);
    return lane;
  } catch (error) {
    await pool.close();
    await server.stop();
    throw error;
  }
}

/** What stopping a lane needs: its clients' pool and its server. */
export interface StoppableLane {
  pool: { close(): Promise<void> };
  server: { stop(): Promise<void> };
}

/**
 * Closes every lane's clients and stops its server, all of them even when one fails (a server
 * left running would hold its port and CPU through the rest of the bench); then rethrows the
 * first failure.
 */
export async function stopLanes(lanes: readonly StoppableLane[]): Promise<void> {
  const outcomes = await Promise.allSettled(
    lanes.map(async (lane) => {
      try {
        await lane.pool.close();
      } finally {
        await lane.server.stop();
      }
    }),
  );
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

/** `lanes` starting at `index` (mod their number): who goes first moves at every rate. */
export function rotated<T>(lanes: readonly T[], index: number): T[] {
  if (lanes.length === 0) return [];
  const start = index % lanes.length;
  return [...lanes.slice(start), ...lanes.slice(0, start)];
}

function result(lane: Lane, pairs: number): DirectResult {
  const held = lane.steps.filter((step) => step.held);
  const out: DirectResult = {
    kind: lane.kind,
    label: lane.server.label,
    pairs,
    ladder: lane.steps,
    highestHeld: held.length === 0 ? 0 : Number(held.at(-1)!.offered),
  };
  if (lane.server.profileFile !== undefined) out.profile = directProfile(lane.server.profileFile, lane.steps);
  return out;
}
