/**
 * The one table of CHAT-MSG error codes. The spec (docs/PROTOCOL.md), the server,
 * the conformance checks and the dissector's value strings all follow it.
 */
export const ERRORS = {
  MALFORMED: { code: 400, name: 'malformed', reason: 'malformed request' },
  NOT_LOGGED_IN: { code: 401, name: 'not-logged-in', reason: 'not logged in' },
  FORBIDDEN: { code: 403, name: 'forbidden', reason: 'you can only log off your own id' },
  NOT_FOUND: { code: 404, name: 'not-found', reason: 'no client with that id is online' },
  LOGIN_TIMEOUT: { code: 408, name: 'login-timeout', reason: 'no LOGIN in time, closing' },
  CONFLICT: { code: 409, name: 'conflict', reason: 'id already online' },
  LINE_TOO_LONG: { code: 413, name: 'line-too-long', reason: 'line too long, discarded' },
  RATE_LIMITED: { code: 429, name: 'rate-limited', reason: 'too many requests, request dropped' },
  SERVER_FULL: { code: 503, name: 'server-full', reason: 'server full, try again later' },
  // The secure extension (docs/PROTOCOL.md section 9).
  AUTH_REQUIRED: { code: 420, name: 'auth-required', reason: 'this id is registered: log in with AUTH and its key' },
  AUTH_FAILED: { code: 421, name: 'auth-failed', reason: 'proof of key possession failed' },
  ALREADY_REGISTERED: { code: 422, name: 'already-registered', reason: 'this id is already registered to a key' },
  NOT_REGISTERED: { code: 423, name: 'not-registered', reason: 'this id is not registered' },
  NO_KEYS: { code: 424, name: 'no-keys', reason: 'that client has published no encryption keys' },
  WEAK_KEY: { code: 425, name: 'weak-key', reason: 'key refused: small order or not in canonical encoding' },
  TLS_REQUIRED: { code: 426, name: 'tls-required', reason: 'this server takes REGISTER and AUTH over TLS only' },
  REGISTRATION_LIMIT: { code: 427, name: 'registration-limit', reason: 'too many registrations from your address, try later' },
  STORAGE_FAILED: { code: 507, name: 'storage-failed', reason: 'the server could not save the registry, try again' },
  REGISTRY_FULL: { code: 508, name: 'registry-full', reason: 'the registry is full: no new ids' },
} as const;

export type ErrorName = keyof typeof ERRORS;
export type ErrorCode = (typeof ERRORS)[ErrorName]['code'];

const byCode = new Map<number, (typeof ERRORS)[ErrorName]>(
  Object.values(ERRORS).map((entry) => [entry.code, entry]),
);

/** The table entry for a numeric code, or undefined for a code the spec does not define. */
export function errorByCode(code: number): (typeof ERRORS)[ErrorName] | undefined {
  return byCode.get(code);
}
