import { diffieHellman, type KeyObject } from 'node:crypto';

/** A Diffie-Hellman result an attacker could know: refused wherever one is computed. */
export class LowOrderKeyError extends Error {
  constructor() {
    super('a key is a low-order point (the X25519 result is all zero)');
  }
}

/**
 * X25519; throws LowOrderKeyError for an all-zero result (RFC 7748, section 6.1). OpenSSL 3
 * already fails such a derivation; the explicit check keeps the rule whatever the library does.
 */
export function x25519Agree(privateKey: KeyObject, publicKey: KeyObject): Buffer {
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey, publicKey });
  } catch {
    throw new LowOrderKeyError();
  }
  if (shared.every((byte) => byte === 0)) throw new LowOrderKeyError();
  return shared;
}
