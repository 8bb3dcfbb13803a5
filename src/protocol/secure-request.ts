import { isBroadcastTarget, isValidClientId } from './client-id.js';
import { BROADCAST_TARGET } from './constants.js';
import type { ErrorName } from './errors.js';

/**
 * Requests of the secure extension (docs/PROTOCOL.md section 9): registration of an identity
 * key, challenge-response login, publication and lookup of session keys, and end-to-end
 * encrypted direct messages. Checked here for syntax only; keys and signatures are checked
 * by the server with node:crypto.
 */
export const SECURE_VERBS = ['REGISTER', 'AUTH', 'PROVE', 'PREKEY', 'KEYS', 'EMSG'] as const;
export type SecureVerb = (typeof SECURE_VERBS)[number];

export type SecureRequest =
  | { verb: 'REGISTER'; id: string; identityKey: string }
  | { verb: 'AUTH'; id: string }
  | { verb: 'PROVE'; signature: string }
  | { verb: 'PREKEY'; prekey: string; signature: string }
  | { verb: 'KEYS'; id: string }
  | { verb: 'EMSG'; target: string; counter: number; payload: string };

/** Base64 (standard alphabet, padded) of exactly `bytes` bytes: 32-byte keys are 44 characters, 64-byte signatures 88. */
export function isBase64OfLength(text: string, bytes: number): boolean {
  const length = 4 * Math.ceil(bytes / 3);
  const padding = (3 - (bytes % 3)) % 3;
  return text.length === length && /^[A-Za-z0-9+/]*={0,2}$/.test(text) && text.endsWith('='.repeat(padding)) && !text.slice(0, length - padding).includes('=');
}

/** Any non-empty padded base64. */
export function isBase64(text: string): boolean {
  return text.length > 0 && text.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(text);
}

export const KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
/** Counters are 1 .. 2^53-1, written in decimal without leading zeros. */
const COUNTER = /^[1-9]\d{0,15}$/;

export function parseCounter(text: string): number | undefined {
  if (!COUNTER.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

export type SecureParse = { ok: true; request: SecureRequest } | { ok: false; error: ErrorName; detail: string; verb: string };

function malformed(verb: SecureVerb, detail: string): SecureParse {
  return { ok: false, error: 'MALFORMED', detail, verb };
}

function idError(id: string): string {
  return isBroadcastTarget(id) ? `client-id ${BROADCAST_TARGET} is reserved` : 'invalid client-id (1-32 of A-Z a-z 0-9 _ - .)';
}

const ARITY: Record<SecureVerb, { count: number; usage: string }> = {
  REGISTER: { count: 2, usage: 'REGISTER <client-id> <identity-key>' },
  AUTH: { count: 1, usage: 'AUTH <client-id>' },
  PROVE: { count: 1, usage: 'PROVE <signature>' },
  PREKEY: { count: 2, usage: 'PREKEY <prekey> <signature>' },
  KEYS: { count: 1, usage: 'KEYS <client-id>' },
  EMSG: { count: 3, usage: 'EMSG <client-id> <counter> <payload>' },
};

export function isSecureVerb(verb: string): verb is SecureVerb {
  return (SECURE_VERBS as readonly string[]).includes(verb);
}

/** Parses the arguments of a secure verb (everything after the verb and its space). */
export function parseSecureRequest(verb: SecureVerb, args: string | undefined): SecureParse {
  const tokens = args === undefined || args === '' ? [] : args.split(' ');
  const { count, usage } = ARITY[verb];
  if (tokens.length !== count || tokens.includes('')) return malformed(verb, `usage: ${usage}`);
  const [first, second, third] = tokens as [string, string, string];
  switch (verb) {
    case 'REGISTER':
      if (!isValidClientId(first)) return malformed(verb, idError(first));
      if (!isBase64OfLength(second, KEY_BYTES)) return malformed(verb, 'identity-key must be 32 bytes in base64');
      return { ok: true, request: { verb, id: first, identityKey: second } };
    case 'AUTH':
    case 'KEYS':
      if (!isValidClientId(first)) return malformed(verb, idError(first));
      return { ok: true, request: { verb, id: first } };
    case 'PROVE':
      if (!isBase64OfLength(first, SIGNATURE_BYTES)) return malformed(verb, 'signature must be 64 bytes in base64');
      return { ok: true, request: { verb, signature: first } };
    case 'PREKEY':
      if (!isBase64OfLength(first, KEY_BYTES)) return malformed(verb, 'prekey must be 32 bytes in base64');
      if (!isBase64OfLength(second, SIGNATURE_BYTES)) return malformed(verb, 'signature must be 64 bytes in base64');
      return { ok: true, request: { verb, prekey: first, signature: second } };
    case 'EMSG': {
      if (!isValidClientId(first)) return malformed(verb, idError(first));
      const counter = parseCounter(second);
      if (counter === undefined) return malformed(verb, 'counter must be an integer 1 .. 2^53-1 without leading zeros');
      if (!isBase64(third)) return malformed(verb, 'payload must be base64');
      return { ok: true, request: { verb, target: first, counter, payload: third } };
    }
  }
}

export function encodeSecureRequest(request: SecureRequest): string {
  switch (request.verb) {
    case 'REGISTER':
      return `REGISTER ${request.id} ${request.identityKey}\n`;
    case 'AUTH':
    case 'KEYS':
      return `${request.verb} ${request.id}\n`;
    case 'PROVE':
      return `PROVE ${request.signature}\n`;
    case 'PREKEY':
      return `PREKEY ${request.prekey} ${request.signature}\n`;
    case 'EMSG':
      return `EMSG ${request.target} ${request.counter} ${request.payload}\n`;
  }
}
