import { BROADCAST_TARGET } from './constants.js';

export const CLIENT_ID_MAX_LENGTH = 32;

const CLIENT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;

/** True for 1 to 32 characters of A-Z a-z 0-9 _ - . that are not the reserved ALL (in any case). */
export function isValidClientId(id: string): boolean {
  return CLIENT_ID_PATTERN.test(id) && !isBroadcastTarget(id);
}

/**
 * Upper-cases ASCII letters only. Verbs and ALL are case-insensitive in ASCII alone: Unicode
 * upper-casing would turn `li\u017Ft` (long s) into LIST and `log\u0131n` (dotless i) into LOGIN.
 */
export function asciiUpperCase(word: string): string {
  return word.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}

/** True for ALL in any (ASCII) case. */
export function isBroadcastTarget(id: string): boolean {
  return asciiUpperCase(id) === BROADCAST_TARGET;
}

/** The key under which an id is unique: ids are unique case-insensitively (Alice blocks alice). */
export function clientIdKey(id: string): string {
  return id.toLowerCase();
}
