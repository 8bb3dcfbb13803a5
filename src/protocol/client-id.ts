import { BROADCAST_TARGET } from './constants.js';

export const CLIENT_ID_MAX_LENGTH = 32;

const CLIENT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;

/** True for 1 to 32 characters of A-Z a-z 0-9 _ - . that are not the reserved ALL (in any case). */
export function isValidClientId(id: string): boolean {
  return CLIENT_ID_PATTERN.test(id) && !isBroadcastTarget(id);
}

/** True for ALL in any case. */
export function isBroadcastTarget(id: string): boolean {
  return id.toUpperCase() === BROADCAST_TARGET;
}

/** The key under which an id is unique: ids are unique case-insensitively (Alice blocks alice). */
export function clientIdKey(id: string): string {
  return id.toLowerCase();
}
