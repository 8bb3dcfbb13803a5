import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROTOCOL_VERSION } from '../protocol/index.js';
import type { ClientExit, ClientLauncher, ServerAddress } from './client-driver.js';
import type { ClientSession } from './client-session.js';
import { abbreviate } from './result.js';
import type { ExpectStep, LinePattern, SendStep, Step } from './scenario.js';

/**
 * What each kind of scenario step does, one small handler per kind in one table (STEP_HANDLERS).
 * A handler gets its step and the run's context and says what it found; the runner adds where
 * and when, and stops at the first failure.
 */

/** What one step found. */
export type Outcome = { ok: true; detail?: string; spreadMs?: number } | { ok: false; client?: string; expected: string; got: string; detail?: string };

/** How long the steps that have no timeout of their own wait. */
export interface StepWaits {
  /** For a client's `>` echo of a line it was given. */
  sendMs: number;
  /** For a killed client process to end. */
  killMs: number;
}

/** What the handlers may use: the clients' sessions and how to start a client. */
export interface StepContext {
  session(name: string): ClientSession;
  launcher: ClientLauncher;
  server: ServerAddress;
  /** Options every client gets (the scenario's `client:` header). */
  clientArgs: readonly string[];
  waits: StepWaits;
  /** Every transcript line of every client, as it arrives. */
  onClientLine?: ((client: string, line: string) => void) | undefined;
}

export type StepHandler<K extends Step['kind']> = (step: Extract<Step, { kind: K }>, context: StepContext) => Promise<Outcome>;

const GREETING = `HELLO ${PROTOCOL_VERSION}`;
const PASS: Outcome = { ok: true };

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

/** `HH:MM:SS.mmm` to milliseconds since midnight. */
function clockMs(time: string): number {
  const [h, m, s] = time.split(':').map(Number) as [number, number, number];
  return ((h * 60 + m) * 60 + s) * 1000;
}

/** The client's driver; the parser lets steps use only clients that have connected by then. */
function driverOf(context: StepContext, client: string) {
  const driver = context.session(client).driver;
  if (driver === undefined) throw new Error(`scenario client ${client} has no process (it never connected)`);
  return driver;
}

/** Starts a client's process (again, after an earlier one ended) and checks its greeting. */
export async function connectClient(context: StepContext, name: string, timeoutMs: number, args: readonly string[] = []): Promise<Outcome> {
  const { launcher, server } = context;
  const session = context.session(name);
  // Where this connection's lines start (after those of an earlier process of the same client).
  const first = session.received.length;
  try {
    const onLine = (line: string) => {
      session.onLine(line);
      context.onClientLine?.(name, line);
    };
    session.attach(await launcher.launch(name, server, onLine, [...context.clientArgs, ...args]));
  } catch (error) {
    return { ok: false, expected: `a client started by ${launcher.where}`, got: (error as Error).message };
  }
  const deadline = Date.now() + timeoutMs;
  if (!(await session.until(() => session.connected, deadline))) {
    return { ok: false, expected: `a connection to ${server.host}:${server.port}`, got: session.exit ? describeExit(session.exit) : `no connection within ${timeoutMs}ms` };
  }
  // The greeting is checked here so steps start after it; anything else is left for the steps.
  if (!(await session.until(() => session.received.length > first, deadline))) {
    return { ok: false, expected: `${GREETING} ...`, got: session.exit ? `nothing; ${describeExit(session.exit)}` : `nothing within ${timeoutMs}ms` };
  }
  const greeting = session.received[first]!.text;
  session.cursor = greeting.startsWith(`${GREETING} `) || greeting === GREETING ? first + 1 : first;
  return PASS;
}

/** Waits for each client's `>` echo of the line it was given; their times, or the failure. */
async function waitForSends(context: StepContext, sends: readonly { client: string; line: string }[]): Promise<string[] | Outcome> {
  const waitMs = context.waits.sendMs;
  const deadline = Date.now() + waitMs;
  const times: string[] = [];
  for (const { client, line } of sends) {
    const session = context.session(client);
    const time = await session.sentEcho(line, deadline);
    if (time === undefined) {
      return { ok: false, client, expected: `the client to send: ${line}`, got: session.exit ? describeExit(session.exit) : `not sent within ${waitMs}ms` };
    }
    times.push(time);
  }
  return times;
}

/** Waits until the client's process ends, or the time is up. */
async function waitExit(context: StepContext, client: string, timeoutMs: number): Promise<ClientExit | undefined> {
  const session = context.session(client);
  await session.until(() => false, Date.now() + timeoutMs);
  return session.exit;
}

const send: StepHandler<'send'> = async (step, context) => {
  driverOf(context, step.client).send(step.line);
  // A slash command is the client's own (docs/PROTOCOL.md 9.6): it is not sent as typed,
  // so there is no echo to wait for; what it sends is checked by the steps after it.
  if (step.line.startsWith('/')) return PASS;
  const sent = await waitForSends(context, [step]);
  return Array.isArray(sent) ? PASS : sent;
};

const expectLine: StepHandler<'expect'> = async (step, context) => {
  const session = context.session(step.client);
  const deadline = Date.now() + step.timeoutMs;
  const expected = describePattern(step.pattern);
  const skipped: string[] = [];
  const notes = (...more: string[]) => {
    const all = [...(skipped.length === 0 ? [] : [`skipped ${skipped.length} line(s): ${abbreviate(skipped)}`]), ...more];
    return all.length === 0 ? {} : { detail: all.join('; ') };
  };
  for (;;) {
    const next = await session.next(deadline);
    if ('timeout' in next) return { ok: false, expected, got: `nothing within ${step.timeoutMs}ms`, ...notes() };
    if ('exit' in next) return { ok: false, expected, got: `nothing; ${describeExit(next.exit)}`, ...notes() };
    // A pattern hides the actual line: say which line it matched.
    if (matches(step.pattern, next.line.text)) return { ok: true, ...notes(...(step.pattern.kind === 'regex' ? [`got: ${next.line.text}`] : [])) };
    if (!step.eventually) return { ok: false, expected, got: next.line.text };
    skipped.push(next.line.text);
  }
};

const together: StepHandler<'together'> = async (step, context) => {
  const ready = step.sends.map((each: SendStep) => ({ client: each.client, line: each.line, driver: driverOf(context, each.client) }));
  // The barrier: everything is prepared above; here the lines go to every stdin in one tick.
  const before = performance.now();
  for (const { line, driver } of ready) driver.send(line);
  const writeMs = performance.now() - before;
  const sent = await waitForSends(context, ready);
  if (!Array.isArray(sent)) return sent;
  const times = sent.map(clockMs);
  const spreadMs = Math.max(...times) - Math.min(...times);
  return { ok: true, spreadMs, detail: `${ready.length} lines written in ${writeMs.toFixed(2)} ms; the clients sent them within ${spreadMs} ms of each other` };
};

/** One client's share of an unordered block: each line takes the first expectation it matches. */
async function unorderedFor(context: StepContext, client: string, expects: readonly ExpectStep[], deadline: number, timeoutMs: number): Promise<Outcome> {
  const left = [...expects];
  const session = context.session(client);
  while (left.length > 0) {
    const expected = `one of: ${left.map((each) => describePattern(each.pattern)).join(' | ')}`;
    const next = await session.next(deadline);
    if ('timeout' in next) return { ok: false, client, expected, got: `nothing within ${timeoutMs}ms` };
    if ('exit' in next) return { ok: false, client, expected, got: `nothing; ${describeExit(next.exit)}` };
    const found = left.findIndex((each) => matches(each.pattern, next.line.text));
    if (found === -1) return { ok: false, client, expected, got: next.line.text };
    left.splice(found, 1);
  }
  return PASS;
}

const unordered: StepHandler<'unordered'> = (step, context) => {
  const byClient = new Map<string, ExpectStep[]>();
  for (const each of step.expects) byClient.set(each.client, [...(byClient.get(each.client) ?? []), each]);
  const deadline = Date.now() + step.timeoutMs;
  // The clients are followed at once; the first failure is the block's, without waiting for the others.
  return new Promise((resolve) => {
    let pending = byClient.size;
    for (const [client, expects] of byClient) {
      void unorderedFor(context, client, expects, deadline, step.timeoutMs).then((outcome) => {
        if (!outcome.ok) resolve(outcome);
        else if (--pending === 0) resolve(PASS);
      });
    }
  });
};

const connect: StepHandler<'connect'> = (step, context) => connectClient(context, step.client, step.timeoutMs, step.args);

const disconnect: StepHandler<'disconnect'> = async (step, context) => {
  driverOf(context, step.client).kill();
  const killMs = context.waits.killMs;
  const exit = await waitExit(context, step.client, killMs);
  return exit ? PASS : { ok: false, expected: 'the client process to end', got: `still running after ${killMs}ms` };
};

const eof: StepHandler<'eof'> = async (step, context) => {
  driverOf(context, step.client).endInput();
  return PASS;
};

const exit: StepHandler<'exit'> = async (step, context) => {
  const ended = await waitExit(context, step.client, step.timeoutMs);
  const expected = `exit code ${step.code}`;
  if (!ended) return { ok: false, expected, got: `still running after ${step.timeoutMs}ms` };
  return ended.code === step.code ? PASS : { ok: false, expected, got: describeExit(ended) };
};

const quiet: StepHandler<'quiet'> = async (step, context) => {
  const next = await context.session(step.client).next(Date.now() + step.durationMs);
  return 'line' in next ? { ok: false, expected: `nothing for ${step.durationMs}ms`, got: next.line.text } : PASS;
};

const pause: StepHandler<'pause'> = async (step) => {
  await sleep(step.durationMs);
  return PASS;
};

/** One handler per step kind. */
export const STEP_HANDLERS: { readonly [K in Step['kind']]: StepHandler<K> } = {
  send,
  expect: expectLine,
  together,
  unordered,
  connect,
  disconnect,
  eof,
  exit,
  quiet,
  pause,
};

/** Runs a step through its handler. */
export function runStep(step: Step, context: StepContext): Promise<Outcome> {
  // Each entry handles its own kind; TypeScript cannot correlate the two by itself.
  const handler = STEP_HANDLERS[step.kind] as StepHandler<Step['kind']>;
  return handler(step as never, context);
}
