import { asciiUpperCase, isBroadcastTarget, isValidClientId } from './client-id.js';
import { BROADCAST_TARGET } from './constants.js';
import type { ErrorName } from './errors.js';
import { decodeLine } from './text.js';
import { encodeSecureRequest, isSecureVerb, parseSecureRequest, type SecureRequest } from './secure-request.js';

/**
 * Verbs of the base protocol, as the server names them (uppercase). Order is HELP's order.
 * Extensions (SECURE_VERBS, section 9 of the spec) are parsed too, but only servers that
 * enable them answer them; elsewhere they are unknown verbs.
 */
export const REQUEST_VERBS = ['LOGIN', 'MSG', 'LOGOFF', 'LIST', 'PING', 'HELP'] as const;
export type RequestVerb = (typeof REQUEST_VERBS)[number];

export type Request =
  | { verb: 'LOGIN'; id: string }
  | { verb: 'MSG'; target: string; text: string }
  | { verb: 'LOGOFF'; id: string }
  | { verb: 'LIST' }
  | { verb: 'PING'; token?: string }
  | { verb: 'HELP' }
  | SecureRequest;

export type ParseResult =
  | { ok: true; request: Request }
  | { ok: false; error: ErrorName; detail: string; verb?: string };

function malformed(detail: string, verb?: string): ParseResult {
  return verb === undefined ? { ok: false, error: 'MALFORMED', detail } : { ok: false, error: 'MALFORMED', detail, verb };
}

/** Splits off the first token: `[token, rest]`, rest undefined when there is no space. */
function cut(s: string): [string, string | undefined] {
  const space = s.indexOf(' ');
  return space === -1 ? [s, undefined] : [s.slice(0, space), s.slice(space + 1)];
}

function idArgument(verb: RequestVerb, args: string | undefined): string | ParseResult {
  if (args === undefined || args === '') return malformed(`${verb} needs a client-id`, verb);
  if (args.includes(' ')) return malformed(`${verb} takes one client-id`, verb);
  if (!isValidClientId(args)) return malformed(invalidIdDetail(args), verb);
  return args;
}

function invalidIdDetail(id: string): string {
  if (isBroadcastTarget(id)) return `client-id ${BROADCAST_TARGET} is reserved`;
  return 'invalid client-id (1-32 of A-Z a-z 0-9 _ - .)';
}

// #region report:parse-request (report section 2.1: a line becomes a typed request)
/**
 * Parses one request line (without its terminator). Returns the typed request or the
 * error the server must answer with. Pure: no state, no I/O.
 */
export function parseRequest(bytes: Uint8Array): ParseResult {
  const decoded = decodeLine(bytes);
  if (!decoded.ok) return malformed(decoded.reason);
  const [word, args] = cut(decoded.text);
  const verb = asciiUpperCase(word);
  switch (verb) {
    case 'LOGIN':
    case 'LOGOFF': {
      const id = idArgument(verb, args);
      return typeof id === 'string' ? { ok: true, request: { verb, id } } : id;
    }
    case 'MSG': {
      if (args === undefined || args === '') return malformed('MSG needs a target and a text', verb);
      const [target, text] = cut(args);
      if (!isBroadcastTarget(target) && !isValidClientId(target)) return malformed(invalidIdDetail(target), verb);
      if (text === undefined) return malformed('MSG needs a text', verb);
      if (text === '') return malformed('empty text', verb);
      return { ok: true, request: { verb, target: isBroadcastTarget(target) ? BROADCAST_TARGET : target, text } };
    }
    case 'LIST':
    case 'HELP':
      if (args !== undefined) return malformed(`${verb} takes no arguments`, verb);
      return { ok: true, request: { verb } };
    case 'PING':
      return { ok: true, request: args ? { verb, token: args } : { verb } };
    default:
      if (isSecureVerb(verb)) return parseSecureRequest(verb, args);
      return malformed(word === '' ? 'empty verb' : `unknown verb ${truncate(word)}`);
  }
}
// #endregion report:parse-request

function truncate(s: string, max = 32): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

/** The wire form of a request, with its LF. Used by clients, the scenario runner and the conformance checker. */
export function encodeRequest(request: Request): string {
  switch (request.verb) {
    case 'LOGIN':
    case 'LOGOFF':
      return `${request.verb} ${request.id}\n`;
    case 'MSG':
      return `MSG ${request.target} ${request.text}\n`;
    case 'PING':
      return request.token === undefined ? 'PING\n' : `PING ${request.token}\n`;
    case 'LIST':
    case 'HELP':
      return `${request.verb}\n`;
    default:
      return encodeSecureRequest(request);
  }
}

