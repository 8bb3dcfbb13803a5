import { performance } from 'node:perf_hooks';
import type { ClientLauncher, ServerAddress } from './client-driver.js';
import { ClientSession } from './client-session.js';
import type { ScenarioResult, StepResult } from './result.js';
import { DEFAULT_TIMEOUT_MS, type Scenario, type SourceLocation } from './scenario.js';
import { connectClient, runStep, type Outcome, type StepContext, type StepWaits } from './step-handlers.js';

export { describePattern, matches } from './step-handlers.js';

export interface RunOptions {
  launcher: ClientLauncher;
  server: ServerAddress;
  /** Called as each step ends: the live log. */
  onStep?: (step: StepResult) => void;
  /** Progress notes: clients starting, cleanup ... */
  onInfo?: (text: string) => void;
  /** Every transcript line of every client, as it arrives (a verbose live log). */
  onClientLine?: (client: string, line: string) => void;
  /** How long steps without a timeout of their own wait; DEFAULT_WAITS unless a test is in a hurry. */
  waits?: StepWaits;
}

export interface ScenarioRun {
  result: ScenarioResult;
  sessions: ClientSession[];
}

export const DEFAULT_WAITS: StepWaits = { sendMs: DEFAULT_TIMEOUT_MS, killMs: 5000 };
/** The clients that connect at the start get this long each: a cold start of a client process is slow. */
const START_CONNECT_TIMEOUT_MS = DEFAULT_TIMEOUT_MS * 5;
const CLEANUP_GRACE_MS = 1000;

/**
 * Runs a scenario against a server, starting clients through `launcher`: each step goes to
 * its handler (step-handlers.ts). Stops at the first failing step; always ends every client it
 * started before returning.
 */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioRun> {
  const sessions = new Map(scenario.clients.map((name) => [name, new ClientSession(name)]));
  const context: StepContext = {
    session(name) {
      const session = sessions.get(name);
      if (session === undefined) throw new Error(`the scenario has no client ${name}`);
      return session;
    },
    launcher: options.launcher,
    server: options.server,
    clientArgs: scenario.clientArgs,
    waits: options.waits ?? DEFAULT_WAITS,
    onClientLine: options.onClientLine,
  };
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const results: StepResult[] = [];

  const record = (at: SourceLocation, kind: string, client: string | undefined, start: number, outcome: Outcome | undefined): StepResult => {
    const result: StepResult = {
      index: results.length + 1,
      kind,
      where: at.line === 0 ? `${at.file} (start)` : `${at.file}:${at.line}`,
      source: at.text,
      ...(client === undefined ? {} : { client }),
      status: outcome === undefined ? 'not-run' : outcome.ok ? 'pass' : 'fail',
      startMs: round(start - t0),
      durationMs: outcome === undefined ? 0 : round(performance.now() - start),
    };
    if (outcome && !outcome.ok) Object.assign(result, { client: outcome.client ?? client, expected: outcome.expected, got: outcome.got });
    if (outcome?.detail) result.detail = outcome.detail;
    if (outcome?.ok && outcome.spreadMs !== undefined) result.spreadMs = outcome.spreadMs;
    results.push(result);
    if (outcome) options.onStep?.(result);
    return result;
  };

  let failure: StepResult | undefined;
  const startAt = (client: string): SourceLocation => ({ file: scenario.file, line: 0, text: `${client}! connect` });
  options.onInfo?.(`clients: ${options.launcher.where}; server ${options.server.host}:${options.server.port}`);
  for (const client of scenario.connectAtStart) {
    const start = performance.now();
    const result = record(startAt(client), 'connect', client, start, await connectClient(context, client, START_CONNECT_TIMEOUT_MS));
    if (result.status === 'fail') {
      failure = result;
      break;
    }
  }
  for (const step of scenario.steps) {
    const client = 'client' in step ? step.client : undefined;
    if (failure) {
      record(step.at, step.kind, client, performance.now(), undefined);
      continue;
    }
    const start = performance.now();
    const result = record(step.at, step.kind, client, start, await runStep(step, context));
    if (result.status === 'fail') failure = result;
  }

  for (const session of sessions.values()) session.endSteps();
  options.onInfo?.('ending the clients');
  await endClients([...sessions.values()]);

  return {
    sessions: [...sessions.values()],
    result: {
      scenario: scenario.name,
      description: scenario.description,
      file: scenario.file,
      server: `${options.server.host}:${options.server.port}`,
      clientsRun: options.launcher.where,
      startedAt,
      durationMs: round(performance.now() - t0),
      passed: failure === undefined,
      steps: results,
      clients: Object.fromEntries([...sessions.values()].map((session) => [session.name, session.summary()])),
      ...(failure ? { failure } : {}),
    },
  };
}

/** Closes every client's input, gives them a moment to close cleanly, then kills the rest. */
async function endClients(sessions: ClientSession[]): Promise<void> {
  const running = sessions.flatMap((session) => (session.driver && !session.exit ? [{ session, driver: session.driver }] : []));
  for (const { driver } of running) driver.endInput();
  await Promise.all(running.map(({ session }) => session.until(() => false, Date.now() + CLEANUP_GRACE_MS)));
  for (const { session, driver } of running) if (!session.exit) driver.kill();
  await Promise.all(running.map(({ driver }) => driver.exited));
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
