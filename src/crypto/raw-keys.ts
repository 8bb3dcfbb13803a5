import { createPublicKey, type KeyObject } from 'node:crypto';

/**
 * Public keys travel as the 32 raw bytes of RFC 8032 (Ed25519) / RFC 7748 (X25519), base64
 * encoded (standard alphabet, with padding: 44 characters). JWK is the one way node:crypto
 * imports and exports raw OKP keys.
 */
export type OkpCurve = 'Ed25519' | 'X25519';

export const RAW_KEY_BYTES = 32;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64: refuses characters outside the alphabet and non-canonical padding. */
export function decodeBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text) || text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** The raw 32 bytes of an Ed25519 or X25519 public (or private) key's public half. */
export function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.x === undefined) throw new TypeError('not an OKP key');
  return Buffer.from(jwk.x, 'base64url');
}

/** Imports 32 raw bytes as a public key of `curve`; undefined when they are not a valid key. */
export function publicKeyFromRaw(curve: OkpCurve, raw: Uint8Array): KeyObject | undefined {
  if (raw.length !== RAW_KEY_BYTES) return undefined;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: curve, x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/** Imports a base64 public key of `curve`; undefined for anything else. */
export function publicKeyFromBase64(curve: OkpCurve, text: string): KeyObject | undefined {
  const raw = decodeBase64(text);
  return raw === undefined ? undefined : publicKeyFromRaw(curve, raw);
}
