import type { Matcher } from './matchers.js';
import type { Segmenting } from './probe.js';
import type { CheckContext } from './types.js';

/*
 * The vocabulary of checks written as data: what a client sends (text templates or raw bytes,
 * optionally cut into segments), what it must receive next, that nothing more arrives, closes
 * and pauses. Texts are templates: `{alice}` is the run's unique client-id for alice.
 */

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
