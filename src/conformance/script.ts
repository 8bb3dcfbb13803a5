import { setTimeout as sleep } from 'node:timers/promises';
import { hello, line, showReceived, type Matcher } from './matchers.js';
import { CLOSED, type Probe, type Received } from './probe.js';
import { showBytes } from './show.js';
import { connectStep, expand, expect, loginStep, send, type BytePart, type Step } from './steps.js';
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
  readonly #closedClients = new Set<string>();

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
        await sleep(step.ms);
        return;
    }
  }

  async #expect(client: string, expected: string | Matcher, withinMs: number): Promise<void> {
    const matcher = typeof expected === 'string' ? line(expand(this.#ctx, expected)) : expected;
    await expectNext(this.#probe(client), matcher, withinMs);
  }

  async #quiet(client: string): Promise<void> {
    const probe = this.#clients.get(client);
    if (!probe || this.#closedClients.has(client)) return;
    const ms = this.#ctx.timeouts.quietMs;
    const got = await probe.next(ms);
    if (got === undefined) return;
    throw new CheckFailure(`nothing more at ${client} within ${ms} ms`, describeGot(client, got, ms));
  }

  #forget(client: string): void {
    this.#closedClients.add(client);
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
