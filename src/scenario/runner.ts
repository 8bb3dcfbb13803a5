import { performance } from 'node:perf_hooks';
import { PROTOCOL_VERSION } from '../protocol/index.js';
import type { ClientExit, ClientLauncher, ServerAddress } from './client-driver.js';
import { ClientSession } from './client-session.js';
import { abbreviate, type ScenarioResult, type StepResult } from './result.js';
import {
  DEFAULT_TIMEOUT_MS,
  type ExpectStep,
  type LinePattern,
  type Scenario,
  type SourceLocation,
  type Step,
  type TogetherStep,
  type UnorderedStep,
} from './scenario.js';

export interface RunOptions {
  launcher: ClientLauncher;
  server: ServerAddress;
  /** Called as each step ends: the live log. */
  onStep?: (step: StepResult) => void;
  /** Progress notes: clients starting, cleanup ... */
  onInfo?: (text: string) => void;
  /** Every transcript line of every client, as it arrives (a verbose live log). */
  onClientLine?: (client: string, line: string) => void;
}

export interface ScenarioRun {
  result: ScenarioResult;
  sessions: ClientSession[];
}

/** What one step found; the runner adds where and when. */
type Outcome = { ok: true; detail?: string; spreadMs?: number } | { ok: false; client?: string; expected: string; got: string; detail?: string };

const GREETING = `HELLO ${PROTOCOL_VERSION}`;
const CLEANUP_GRACE_MS = 1000;
const KILL_WAIT_MS = 5000;

export function describePattern(pattern: LinePattern): string {
  return pattern.kind === 'exact' ? pattern.text : `~ ${pattern.source}`;
}

export function matches(pattern: LinePattern, text: string): boolean {
  return pattern.kind === 'exact' ? pattern.text === text : pattern.regex.test(text);
}

function describeExit(exit: ClientExit): string {
  const how = exit.code === null ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
  const stderr = exit.stderr.trim();
  return stderr === '' ? `the client ${how}` : `the client ${how}: ${stderr.split('\n').at(-1)}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `HH:MM:SS.mmm` to milliseconds since midnight. */
function clockMs(time: string): number {
  const [h, m, s] = time.split(':').map(Number) as [number, number, number];
  return ((h * 60 + m) * 60 + s) * 1000;
}

/**
 * Runs a scenario against a server, starting clients through `launcher`. Stops at the first
 * failing step; always ends every client it started before returning.
 */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioRun> {
  const sessions = new Map(scenario.clients.map((name) => [name, new ClientSession(name)]));
  const session = (name: string) => sessions.get(name)!;
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const results: StepResult[] = [];
  const info = options.onInfo ?? (() => {});

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

  const connect = async (name: string, timeoutMs: number, args: readonly string[] = []): Promise<Outcome> => {
    const s = session(name);
    const extraArgs = [...scenario.clientArgs, ...args];
    // Where this connection's lines start (after those of an earlier process of the same client).
    const first = s.received.length;
    try {
      const onLine = (line: string) => {
        s.onLine(line);
        options.onClientLine?.(name, line);
      };
      s.attach(await options.launcher.launch(name, options.server, onLine, extraArgs));
    } catch (error) {
      return { ok: false, expected: `a client started by ${options.launcher.where}`, got: (error as Error).message };
    }
    const deadline = Date.now() + timeoutMs;
    if (!(await s.until(() => s.connected, deadline))) {
      return { ok: false, expected: `a connection to ${options.server.host}:${options.server.port}`, got: s.exit ? describeExit(s.exit) : `no connection within ${timeoutMs}ms` };
    }
    // The greeting is checked here so steps start after it; anything else is left for the steps.
    if (!(await s.until(() => s.received.length > first, deadline))) {
      return { ok: false, expected: `${GREETING} ...`, got: s.exit ? `nothing; ${describeExit(s.exit)}` : `nothing within ${timeoutMs}ms` };
    }
    const greeting = s.received[first]!.text;
    s.cursor = greeting.startsWith(`${GREETING} `) || greeting === GREETING ? first + 1 : first;
    return { ok: true };
  };

  const expectOne = async (step: ExpectStep): Promise<Outcome> => {
    const s = session(step.client);
    const deadline = Date.now() + step.timeoutMs;
    const skipped: string[] = [];
    const skippedNote = (...more: string[]) => {
      const notes = [...(skipped.length === 0 ? [] : [`skipped ${skipped.length} line(s): ${abbreviate(skipped)}`]), ...more];
      return notes.length === 0 ? {} : { detail: notes.join('; ') };
    };
    for (;;) {
      const next = await s.next(deadline);
      const expected = describePattern(step.pattern);
      if ('timeout' in next) return { ok: false, expected, got: `nothing within ${step.timeoutMs}ms`, ...skippedNote() };
      if ('exit' in next) return { ok: false, expected, got: `nothing; ${describeExit(next.exit)}`, ...skippedNote() };
      // A pattern hides the actual line: say which line it matched.
      if (matches(step.pattern, next.line.text)) return { ok: true, ...skippedNote(...(step.pattern.kind === 'regex' ? [`got: ${next.line.text}`] : [])) };
      if (!step.eventually) return { ok: false, expected, got: next.line.text };
      skipped.push(next.line.text);
    }
  };

  /** Waits for each client's `>` echo of the lines it was given; their times, or the failure. */
  const waitForSends = async (sends: { client: string; line: string }[]): Promise<string[] | Outcome> => {
    const deadline = Date.now() + DEFAULT_TIMEOUT_MS;
    const times: string[] = [];
    for (const { client, line } of sends) {
      const s = session(client);
      const time = await s.sentEcho(line, deadline);
      if (time === undefined) {
        return { ok: false, client, expected: `the client to send: ${line}`, got: s.exit ? describeExit(s.exit) : `not sent within ${DEFAULT_TIMEOUT_MS}ms` };
      }
      times.push(time);
    }
    return times;
  };

  const together = async (step: TogetherStep): Promise<Outcome> => {
    const ready = step.sends.map((send) => ({ client: send.client, line: send.line, driver: session(send.client).driver! }));
    // The barrier: everything is prepared above; here the lines go to every stdin in one tick.
    const before = performance.now();
    for (const { line, driver } of ready) driver.send(line);
    const writeMs = performance.now() - before;
    const sent = await waitForSends(ready);
    if (!Array.isArray(sent)) return sent;
    const times = sent.map(clockMs);
    const spreadMs = Math.max(...times) - Math.min(...times);
    return { ok: true, spreadMs, detail: `${ready.length} lines written in ${writeMs.toFixed(2)} ms; the clients sent them within ${spreadMs} ms of each other` };
  };

  const unordered = (step: UnorderedStep): Promise<Outcome> => {
    const byClient = new Map<string, ExpectStep[]>();
    for (const expect of step.expects) byClient.set(expect.client, [...(byClient.get(expect.client) ?? []), expect]);
    const deadline = Date.now() + step.timeoutMs;
    const oneClient = async (client: string, expects: ExpectStep[]): Promise<Outcome> => {
      const left = [...expects];
      const s = session(client);
      while (left.length > 0) {
        const expected = `one of: ${left.map((e) => describePattern(e.pattern)).join(' | ')}`;
        const next = await s.next(deadline);
        if ('timeout' in next) return { ok: false, client, expected, got: `nothing within ${step.timeoutMs}ms` };
        if ('exit' in next) return { ok: false, client, expected, got: `nothing; ${describeExit(next.exit)}` };
        const found = left.findIndex((e) => matches(e.pattern, next.line.text));
        if (found === -1) return { ok: false, client, expected, got: next.line.text };
        left.splice(found, 1);
      }
      return { ok: true };
    };
    return new Promise((resolve) => {
      let pending = byClient.size;
      for (const [client, expects] of byClient) {
        void oneClient(client, expects).then((outcome) => {
          if (!outcome.ok) resolve(outcome);
          else if (--pending === 0) resolve({ ok: true });
        });
      }
    });
  };

  const waitExit = async (client: string, timeoutMs: number): Promise<ClientExit | undefined> => {
    const s = session(client);
    await s.until(() => false, Date.now() + timeoutMs);
    return s.exit;
  };

  const runStep = async (step: Step): Promise<Outcome> => {
    switch (step.kind) {
      case 'send': {
        session(step.client).driver!.send(step.line);
        // A slash command is the client's own (docs/PROTOCOL.md 9.6): it is not sent as typed,
        // so there is no echo to wait for; what it sends is checked by the steps after it.
        if (step.line.startsWith('/')) return { ok: true };
        const sent = await waitForSends([step]);
        return Array.isArray(sent) ? { ok: true } : sent;
      }
      case 'expect':
        return expectOne(step);
      case 'together':
        return together(step);
      case 'unordered':
        return unordered(step);
      case 'connect':
        return connect(step.client, step.timeoutMs, step.args);
      case 'disconnect': {
        session(step.client).driver!.kill();
        const exit = await waitExit(step.client, KILL_WAIT_MS);
        return exit ? { ok: true } : { ok: false, expected: 'the client process to end', got: `still running after ${KILL_WAIT_MS}ms` };
      }
      case 'eof':
        session(step.client).driver!.endInput();
        return { ok: true };
      case 'exit': {
        const exit = await waitExit(step.client, step.timeoutMs);
        const expected = `exit code ${step.code}`;
        if (!exit) return { ok: false, expected, got: `still running after ${step.timeoutMs}ms` };
        return exit.code === step.code ? { ok: true } : { ok: false, expected, got: describeExit(exit) };
      }
      case 'quiet': {
        const next = await session(step.client).next(Date.now() + step.durationMs);
        return 'line' in next ? { ok: false, expected: `nothing for ${step.durationMs}ms`, got: next.line.text } : { ok: true };
      }
      case 'pause':
        await sleep(step.durationMs);
        return { ok: true };
    }
  };

  let failure: StepResult | undefined;
  const startAt = (client: string): SourceLocation => ({ file: scenario.file, line: 0, text: `${client}! connect` });
  info(`clients: ${options.launcher.where}; server ${options.server.host}:${options.server.port}`);
  for (const client of scenario.connectAtStart) {
    const start = performance.now();
    const result = record(startAt(client), 'connect', client, start, await connect(client, DEFAULT_TIMEOUT_MS * 5));
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
    const result = record(step.at, step.kind, client, start, await runStep(step));
    if (result.status === 'fail') failure = result;
  }

  for (const s of sessions.values()) s.endSteps();
  info('ending the clients');
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
      clients: Object.fromEntries([...sessions.values()].map((s) => [s.name, s.summary()])),
      ...(failure ? { failure } : {}),
    },
  };
}

/** Closes every client's input, gives them a moment to close cleanly, then kills the rest. */
async function endClients(sessions: ClientSession[]): Promise<void> {
  const running = sessions.filter((s) => s.driver && !s.exit);
  for (const s of running) s.driver!.endInput();
  await Promise.all(running.map((s) => s.until(() => false, Date.now() + CLEANUP_GRACE_MS)));
  for (const s of running) if (!s.exit) s.driver!.kill();
  await Promise.all(running.map((s) => s.driver!.exited));
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
