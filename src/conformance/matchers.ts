import { PROTOCOL_VERSION, REQUEST_VERBS } from '../protocol/index.js';
import type { Received } from './probe.js';
import { showBytes } from './show.js';

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

/** `OK LIST <n> <id> ...`: exactly these ids, in login order (section 5.6), n their count. */
export function list(ids: string[]): Matcher {
  return line(['OK LIST', ids.length, ...ids].join(' '));
}

/** `OK HELP <verb> ...`: the base verbs first in the spec's order, then any extension verbs, each once (section 5.8). */
export function help(): Matcher {
  return {
    describe: `"OK HELP ${REQUEST_VERBS.join(' ')}" (extension verbs may follow)`,
    test: (got) => {
      if (got.invalid !== undefined || got.pdu.kind !== 'OK' || got.pdu.verb !== 'HELP') return false;
      const verbs = got.pdu.args;
      const baseFirst = REQUEST_VERBS.every((verb, i) => verbs[i] === verb);
      return baseFirst && new Set(verbs).size === verbs.length && verbs.every((verb) => /^[A-Z]+$/.test(verb));
    },
  };
}

/** One of several acceptable lines. */
export function oneOf(...matchers: Matcher[]): Matcher {
  return { describe: matchers.map((m) => m.describe).join(' or '), test: (got) => matchers.some((m) => m.test(got)) };
}

/** How a received line is shown in a failure report. */
export function showReceived(got: Received): string {
  const shown = showBytes(got.bytes);
  return got.invalid === undefined ? shown : `${shown} (${got.invalid})`;
}
