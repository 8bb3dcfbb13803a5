import { randomBytes } from 'node:crypto';
import { Probe } from './probe.js';
import { selectChecks, type Selection } from './suite.js';
import {
  CheckFailure,
  CheckSkipped,
  DEFAULT_LIMITS,
  DEFAULT_TIMEOUTS,
  type Check,
  type CheckContext,
  type CheckResult,
  type Limits,
  type Target,
  type Timeouts,
} from './types.js';

export interface RunOptions {
  target: Target;
  limits?: Partial<Limits>;
  timeouts?: Partial<Timeouts>;
  selection?: Selection;
  /** Called once the target answered the first connection, before the first check. */
  onStart?: () => void;
  /** Called as each check finishes, for live output. */
  onResult?: (result: CheckResult) => void;
}

export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
}

export interface RunReport {
  target: string;
  startedAt: string;
  durationMs: number;
  limits: Limits;
  results: CheckResult[];
  summary: Summary;
}

/** The target could not be reached at all: no check can say anything. */
export class TargetUnreachable extends Error {
  override name = 'TargetUnreachable';
}

/** A check that hangs is cut off after this long (plus the login timeout it may wait for). */
const CHECK_TIME_LIMIT_MS = 60_000;
/** How long the end of a check waits for the server to close each connection after our FIN. */
const TEARDOWN_MS = 2000;
/** Failure reports keep the last few things sent, not a whole flood. */
const NOTES_KEPT = 6;

export function fullLimits(limits: Partial<Limits> = {}): Limits {
  return { ...DEFAULT_LIMITS, ...limits };
}

/** Runs the selected checks one after another against the target and reports each. */
export async function runConformance(options: RunOptions): Promise<RunReport> {
  const limits = fullLimits(options.limits);
  const timeouts: Timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const checks = selectChecks(options.selection ?? {});
  const started = Date.now();
  await probeReachable(options.target, timeouts.replyMs);
  options.onStart?.();
  // A short random tag keeps this run's client-ids apart from anyone else's.
  const runTag = randomBytes(3).readUIntBE(0, 3).toString(36).padStart(5, '0').slice(0, 5);
  const results: CheckResult[] = [];
  for (const [index, check] of checks.entries()) {
    const result = await runCheck(check, { target: options.target, limits, timeouts, tag: `${runTag}${index.toString(36)}` });
    results.push(result);
    options.onResult?.(result);
  }
  return {
    target: `${options.target.host}:${options.target.port}`,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    limits,
    results,
    summary: summarize(results),
  };
}

export function summarize(results: readonly CheckResult[]): Summary {
  const count = (status: CheckResult['status']) => results.filter((result) => result.status === status).length;
  return { passed: count('PASS'), failed: count('FAIL'), skipped: count('SKIP') };
}

async function probeReachable(target: Target, timeoutMs: number): Promise<void> {
  try {
    const probe = await Probe.open(target, 'preflight', timeoutMs);
    probe.finish();
    await probe.waitClosed(TEARDOWN_MS);
    probe.destroy();
  } catch (error) {
    throw new TargetUnreachable((error as Error).message);
  }
}

interface RunEnvironment {
  target: Target;
  limits: Limits;
  timeouts: Timeouts;
  tag: string;
}

async function runCheck(check: Check, env: RunEnvironment): Promise<CheckResult> {
  const base = { name: check.name, group: check.group, title: check.title };
  const skipReason = check.skip?.(env.limits);
  if (skipReason !== undefined) return { ...base, status: 'SKIP', ms: 0, skipReason };

  const probes: Probe[] = [];
  const notes: string[] = [];
  const ctx: CheckContext = {
    target: env.target,
    limits: env.limits,
    timeouts: env.timeouts,
    id: (name) => `${name}.${env.tag}`,
    connect: async (name) => {
      const probe = await Probe.open(env.target, name, env.timeouts.replyMs);
      probes.push(probe);
      return probe;
    },
    note: (line) => {
      notes.push(line);
      if (notes.length > NOTES_KEPT) notes.shift();
    },
  };
  const started = Date.now();
  const limitMs = CHECK_TIME_LIMIT_MS + (env.limits.loginTimeoutSeconds ?? 0) * 1000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckFailure(`the check to finish within ${limitMs / 1000} s`, 'it did not')), limitMs);
  });
  try {
    await Promise.race([check.run(ctx), timedOut]);
    return { ...base, status: 'PASS', ms: Date.now() - started };
  } catch (error) {
    const ms = Date.now() - started;
    if (error instanceof CheckSkipped) return { ...base, status: 'SKIP', ms, skipReason: error.message };
    const failure =
      error instanceof CheckFailure
        ? { sent: [...notes], expected: error.expected, got: error.got }
        : { sent: [...notes], expected: 'the check to run to its end', got: (error as Error).message };
    return { ...base, status: 'FAIL', ms, failure };
  } finally {
    clearTimeout(timer);
    await teardown(probes);
  }
}

/** Closes every connection of a check and waits until the server has closed them too, so the next check starts clean. */
async function teardown(probes: Probe[]): Promise<void> {
  for (const probe of probes) if (!probe.closed) probe.finish();
  await Promise.all(probes.map((probe) => probe.waitClosed(TEARDOWN_MS)));
  for (const probe of probes) probe.destroy();
}
