import { PROTOCOL_VERSION, REQUEST_VERBS } from '../protocol/index.js';
import type { Received } from './probe.js';

/** An expected server line: a test over what arrived and a description for the failure report. */
export interface Matcher {
  describe: string;
  test(line: Received): boolean;
}

/** Exactly this line (after the CR/LF are dropped). */
export function line(text: string): Matcher {
  return { describe: JSON.stringify(text), test: (got) => got.invalid === undefined && got.text === text };
}

/** `ERR <code> <reason>` with a non-empty reason. */
export function err(code: number): Matcher {
  return {
    describe: `"ERR ${code} <reason>"`,
    test: (got) => got.invalid === undefined && got.pdu.kind === 'ERR' && got.pdu.code === code && got.pdu.reason.trim() !== '',
  };
}

/** `HELLO CHAT-MSG/1 <free text>`. */
export function hello(): Matcher {
  return {
    describe: `"HELLO ${PROTOCOL_VERSION} <text>"`,
    test: (got) => got.invalid === undefined && got.pdu.kind === 'HELLO' && got.pdu.version === PROTOCOL_VERSION && got.pdu.text !== '',
  };
}

/** `OK LIST <n> <id> ...` with exactly these ids in any order, n their count. */
export function list(ids: string[]): Matcher {
  const want = [...ids].sort();
  return {
    describe: `"OK LIST ${ids.length} ${ids.join(' ')}" (ids in any order)`,
    test: (got) => {
      if (got.invalid !== undefined || got.pdu.kind !== 'OK' || got.pdu.verb !== 'LIST') return false;
      const [count, ...listed] = got.pdu.args;
      return count === String(ids.length) && JSON.stringify(listed.sort()) === JSON.stringify(want);
    },
  };
}

/** `OK HELP <verb> ...` naming every verb of the spec once (extensions may add more). */
export function help(): Matcher {
  return {
    describe: `"OK HELP ${REQUEST_VERBS.join(' ')}" (any order, extensions may add verbs)`,
    test: (got) => {
      if (got.invalid !== undefined || got.pdu.kind !== 'OK' || got.pdu.verb !== 'HELP') return false;
      const verbs = got.pdu.args;
      return new Set(verbs).size === verbs.length && REQUEST_VERBS.every((verb) => verbs.includes(verb));
    },
  };
}

/** One of several acceptable lines. */
export function oneOf(...matchers: Matcher[]): Matcher {
  return { describe: matchers.map((m) => m.describe).join(' or '), test: (got) => matchers.some((m) => m.test(got)) };
}

/** How a received line is shown in a failure report. */
export function showReceived(got: Received): string {
  return got.invalid === undefined ? JSON.stringify(got.shown) : `${JSON.stringify(got.shown)} (${got.invalid})`;
}
