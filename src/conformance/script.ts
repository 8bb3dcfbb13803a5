import { hello, line, showReceived, type Matcher } from './matchers.js';
import { showBytes } from './show.js';
import { CLOSED, type Probe, type Received, type Segmenting } from './probe.js';
import { CheckFailure, type Check, type CheckContext, type GroupName } from './types.js';

/**
 * A check as data: who is connected and logged in first, then a list of steps. Texts are
 * templates: `{alice}` stands for the unique client-id of the client named alice in this run.
 */
export interface Script {
  group: GroupName;
  /** Short name; the check is called `group/name`. */
  name: string;
  title: string;
  /** Connected, greeted and logged in, in this order (each later one's JOINED is read by the earlier ones). */
  login?: string[];
  /** Connected and greeted but not logged in. */
  connect?: string[];
  steps: Step[] | ((ctx: CheckContext) => Step[]);
  skip?: Check['skip'];
}

/** Bytes to send: template strings and raw byte values, concatenated. */
export type BytePart = string | number[];

export type Step =
  | { op: 'send'; client: string; parts: BytePart[]; segmenting?: Segmenting }
  | { op: 'expect'; client: string; expected: string | Matcher; withinMs?: number }
  | { op: 'quiet'; clients?: string[] }
  | { op: 'close'; client: string; how: 'end' | 'reset' }
  | { op: 'closed'; client: string; withinMs?: number }
  | { op: 'connect'; client: string }
  | { op: 'login'; client: string }
  | { op: 'pause'; ms: number };

/** Sends a template line; the terminator is LF unless told otherwise. */
export function send(client: string, text: string, options: { ending?: string; segmenting?: Segmenting } = {}): Step {
  const step: Step = { op: 'send', client, parts: [text + (options.ending ?? '\n')] };
  return options.segmenting ? { ...step, segmenting: options.segmenting } : step;
}

/** Sends raw bytes exactly as given (no terminator added). */
export function sendBytes(client: string, ...parts: BytePart[]): Step {
  return { op: 'send', client, parts };
}

/** The next line `client` receives must be this exact (template) line or match the matcher. */
export function expect(client: string, expected: string | Matcher, withinMs?: number): Step {
  return withinMs === undefined ? { op: 'expect', client, expected } : { op: 'expect', client, expected, withinMs };
}

/** Nothing more arrives at these clients (all of the check's clients when none named) for a while. */
export function quiet(...clients: string[]): Step {
  return clients.length === 0 ? { op: 'quiet' } : { op: 'quiet', clients };
}

/** The client closes its connection: FIN (`end`) or RST (`reset`). */
export function close(client: string, how: 'end' | 'reset'): Step {
  return { op: 'close', client, how };
}

/** The server closes this client's connection (after any lines still expected were taken). */
export function closed(client: string, withinMs?: number): Step {
  return withinMs === undefined ? { op: 'closed', client } : { op: 'closed', client, withinMs };
}

export function connectStep(client: string): Step {
  return { op: 'connect', client };
}

export function loginStep(client: string): Step {
  return { op: 'login', client };
}

export function pause(ms: number): Step {
  return { op: 'pause', ms };
}

/** A PING round trip proving the connection is still open and in sync. */
export function stillUsable(client: string, token = 'still-here'): Step[] {
  return [send(client, `PING ${token}`), expect(client, `PONG ${token}`)];
}

/** LOGOFF of the client's own id: OK LOGOFF, the server closes, each watcher gets LEFT. */
export function logoff(client: string, ...watchers: string[]): Step[] {
  return [
    send(client, `LOGOFF {${client}}`),
    expect(client, `OK LOGOFF {${client}}`),
    closed(client),
    ...watchers.map((watcher) => expect(watcher, `LEFT {${client}}`)),
  ];
}

/** Replaces `{name}` by the run's client-id for name. */
export function expand(ctx: CheckContext, template: string): string {
  return template.replace(/\{([A-Za-z0-9_-]+)\}/g, (_, name: string) => ctx.id(name));
}

function toBytes(ctx: CheckContext, parts: BytePart[]): Buffer {
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(expand(ctx, part)) : Buffer.from(part))));
}

/** How sent bytes appear in a failure report: quoted, shortened, controls and non-UTF-8 bytes as escapes. */
export function showSent(client: string, bytes: Buffer): string {
  const head = bytes.subarray(0, 100);
  const more = bytes.length > head.length ? `... (${bytes.length} bytes)` : '';
  return `${client} > ${showBytes(head)}${more}`;
}

/** Turns a script into a check the runner can run. */
export function scripted(script: Script): Check {
  const check: Check = {
    group: script.group,
    name: `${script.group}/${script.name}`,
    title: script.title,
    run: (ctx) => new ScriptRun(ctx).run(script),
  };
  if (script.skip) check.skip = script.skip;
  return check;
}

class ScriptRun {
  readonly #ctx: CheckContext;
  readonly #clients = new Map<string, Probe>();
  readonly #loggedIn: string[] = [];
  /** Clients whose connection is closed (by them or by the server): nothing is read from them any more. */
  readonly #closedByUs = new Set<string>();

  constructor(ctx: CheckContext) {
    this.#ctx = ctx;
  }

  async run(script: Script): Promise<void> {
    for (const name of script.login ?? []) await this.#step(loginStep(name));
    for (const name of script.connect ?? []) await this.#step(connectStep(name));
    const steps = typeof script.steps === 'function' ? script.steps(this.#ctx) : script.steps;
    for (const step of steps) await this.#step(step);
  }

  #probe(name: string): Probe {
    const probe = this.#clients.get(name);
    if (!probe) throw new Error(`script error: client ${name} is not connected`);
    return probe;
  }

  async #step(step: Step): Promise<void> {
    const ctx = this.#ctx;
    switch (step.op) {
      case 'connect': {
        this.#clients.set(step.client, await ctx.connect(step.client));
        return this.#step(expect(step.client, hello()));
      }
      case 'login': {
        const others = [...this.#loggedIn];
        if (!this.#clients.has(step.client)) await this.#step(connectStep(step.client));
        await this.#step(send(step.client, `LOGIN {${step.client}}`));
        await this.#step(expect(step.client, `OK LOGIN {${step.client}}`));
        for (const other of others) await this.#step(expect(other, `JOINED {${step.client}}`));
        this.#loggedIn.push(step.client);
        return;
      }
      case 'send': {
        const bytes = toBytes(ctx, step.parts);
        ctx.note(showSent(step.client, bytes));
        return this.#probe(step.client).send(bytes, step.segmenting);
      }
      case 'expect':
        return this.#expect(step.client, step.expected, step.withinMs ?? ctx.timeouts.replyMs);
      case 'quiet':
        await Promise.all((step.clients ?? [...this.#clients.keys()]).map((name) => this.#quiet(name)));
        return;
      case 'close': {
        const probe = this.#probe(step.client);
        ctx.note(`${step.client} closes its connection (${step.how === 'end' ? 'FIN' : 'RST'})`);
        if (step.how === 'end') probe.end();
        else probe.reset();
        this.#forget(step.client);
        return;
      }
      case 'closed':
        return this.#closed(step.client, step.withinMs ?? ctx.timeouts.replyMs);
      case 'pause':
        await new Promise((resolve) => setTimeout(resolve, step.ms));
        return;
    }
  }

  async #expect(client: string, expected: string | Matcher, withinMs: number): Promise<void> {
    const matcher = typeof expected === 'string' ? line(expand(this.#ctx, expected)) : expected;
    await expectNext(this.#probe(client), matcher, withinMs);
  }

  async #quiet(client: string): Promise<void> {
    const probe = this.#clients.get(client);
    if (!probe || this.#closedByUs.has(client)) return;
    const ms = this.#ctx.timeouts.quietMs;
    const got = await probe.next(ms);
    if (got === undefined) return;
    throw new CheckFailure(`nothing more at ${client} within ${ms} ms`, describeGot(client, got, ms));
  }


  #forget(client: string): void {
    this.#closedByUs.add(client);
    const at = this.#loggedIn.indexOf(client);
    if (at !== -1) this.#loggedIn.splice(at, 1);
  }

  async #closed(client: string, withinMs: number): Promise<void> {
    const probe = this.#probe(client);
    const got = await probe.next(withinMs);
    this.#forget(client);
    if (got === CLOSED) return;
    throw new CheckFailure(`the server closes ${client}'s connection`, describeGot(client, got, withinMs));
  }
}

/** The next line of `probe` must match, within `withinMs`; for checks written as code too. */
export async function expectNext(probe: Probe, matcher: Matcher, withinMs: number): Promise<Received> {
  const got = await probe.next(withinMs);
  if (got !== undefined && got !== CLOSED && matcher.test(got)) return got;
  throw new CheckFailure(`${probe.name} < ${matcher.describe}`, describeGot(probe.name, got, withinMs));
}

export function describeGot(client: string, got: Received | typeof CLOSED | undefined, withinMs: number): string {
  if (got === undefined) return `${client}: nothing within ${withinMs} ms`;
  if (got === CLOSED) return `${client}: connection closed by the server`;
  return `${client} < ${showReceived(got)}`;
}
