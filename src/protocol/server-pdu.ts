import { PROTOCOL_VERSION } from './constants.js';
import { ERRORS, type ErrorName } from './errors.js';

/** Every line a server sends, typed. */
export type ServerPdu =
  | { kind: 'HELLO'; version: string; text: string }
  | { kind: 'OK'; verb: string; args: string[] }
  | { kind: 'ERR'; code: number; reason: string }
  | { kind: 'MSG'; from: string; target: string; text: string }
  | { kind: 'JOINED'; id: string }
  | { kind: 'LEFT'; id: string }
  | { kind: 'PONG'; token?: string }
  | { kind: 'BYE'; text: string }
  | { kind: 'CHALLENGE'; challenge: string; realm: string; binding: string }
  | { kind: 'EMSG'; from: string; target: string; counter: string; payload: string }
  | { kind: 'UNKNOWN'; line: string };

export const SERVER_VERBS = ['HELLO', 'OK', 'ERR', 'MSG', 'JOINED', 'LEFT', 'PONG', 'BYE', 'CHALLENGE', 'EMSG'] as const;

/** How a CHALLENGE's proof is bound to the connection: to the TLS exporter, or (plain TCP) to nothing. */
export const CHANNEL_BINDINGS = ['tls-exporter', 'none'] as const;
export type ChannelBindingKind = (typeof CHANNEL_BINDINGS)[number];

/**
 * Encoders of server lines, each with its LF. A broadcast is encoded once by the caller
 * and the same bytes written to every recipient.
 */
export const encodeServer = {
  hello: (text: string) => `HELLO ${PROTOCOL_VERSION} ${text}\n`,
  ok: (verb: string, ...args: (string | number)[]) =>
    args.length === 0 ? `OK ${verb}\n` : `OK ${verb} ${args.join(' ')}\n`,
  err: (name: ErrorName, detail?: string) => {
    const { code, reason } = ERRORS[name];
    return `ERR ${code} ${detail ? `${reason}: ${detail}` : reason}\n`;
  },
  msg: (from: string, target: string, text: string) => `MSG ${from} ${target} ${text}\n`,
  joined: (id: string) => `JOINED ${id}\n`,
  left: (id: string) => `LEFT ${id}\n`,
  pong: (token?: string) => (token === undefined ? 'PONG\n' : `PONG ${token}\n`),
  bye: (text: string) => `BYE ${text}\n`,
  challenge: (challenge: string, realm: string, binding: ChannelBindingKind) => `CHALLENGE ${challenge} ${realm} ${binding}\n`,
  emsg: (from: string, target: string, counter: number, payload: string) => `EMSG ${from} ${target} ${counter} ${payload}\n`,
};

function cut(s: string): [string, string] {
  const space = s.indexOf(' ');
  return space === -1 ? [s, ''] : [s.slice(0, space), s.slice(space + 1)];
}

/** Parses a line received from a server (already decoded, without terminator). */
export function parseServerLine(line: string): ServerPdu {
  const [verb, rest] = cut(line);
  switch (verb) {
    case 'HELLO': {
      const [version, text] = cut(rest);
      return { kind: 'HELLO', version, text };
    }
    case 'OK': {
      const [okVerb, args] = cut(rest);
      return { kind: 'OK', verb: okVerb, args: args === '' ? [] : args.split(' ') };
    }
    case 'ERR': {
      const [code, reason] = cut(rest);
      const n = Number(code);
      return /^\d{3}$/.test(code) ? { kind: 'ERR', code: n, reason } : { kind: 'UNKNOWN', line };
    }
    case 'MSG': {
      const [from, afterFrom] = cut(rest);
      const [target, text] = cut(afterFrom);
      return { kind: 'MSG', from, target, text };
    }
    case 'JOINED':
    case 'LEFT':
      return { kind: verb, id: rest };
    case 'PONG':
      return rest === '' ? { kind: 'PONG' } : { kind: 'PONG', token: rest };
    case 'BYE':
      return { kind: 'BYE', text: rest };
    case 'CHALLENGE': {
      const [challenge = '', realm = '', binding = '', extra] = rest.split(' ');
      return challenge && realm && binding && extra === undefined ? { kind: 'CHALLENGE', challenge, realm, binding } : { kind: 'UNKNOWN', line };
    }
    case 'EMSG': {
      const [from = '', target = '', counter = '', payload = '', extra] = rest.split(' ');
      return from && target && counter && payload && extra === undefined ? { kind: 'EMSG', from, target, counter, payload } : { kind: 'UNKNOWN', line };
    }
    default:
      return { kind: 'UNKNOWN', line };
  }
}
