import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { publicKeyFromRaw, RAW_KEY_BYTES } from './raw-keys.js';

/**
 * An Ed25519 identity key used for X25519 key agreement, as libsodium's
 * crypto_sign_ed25519_pk_to_curve25519 / crypto_sign_ed25519_sk_to_curve25519 do (and as
 * Signal's X3DH uses one identity key for both signatures and Diffie-Hellman). Both halves
 * map to the same Montgomery point: the unit test checks the public mapping against the public
 * key node:crypto computes from the private mapping.
 */

/** The field prime of Curve25519 / edwards25519: 2^255 - 19. */
const P = 2n ** 255n - 19n;

/** PKCS#8 prefix of a raw X25519 private key (RFC 8410): the 32 bytes follow. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/**
 * The X25519 private key of an Ed25519 seed: the first half of SHA-512(seed), the same scalar
 * Ed25519 signs with (X25519 clamps it when used).
 */
export function x25519PrivateFromSeed(seed: Uint8Array): KeyObject {
  const scalar = createHash('sha512').update(seed).digest().subarray(0, RAW_KEY_BYTES);
  return createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, scalar]), format: 'der', type: 'pkcs8' });
}

/**
 * The X25519 public key of a raw Ed25519 public key: u = (1 + y) / (1 - y) mod p. Undefined for
 * an encoding whose y is not below p (non-canonical) or is 1 (the neutral point, whose u would
 * divide by zero). Other small-order points map to low-order u that make every X25519 result
 * all zero, which the key agreement refuses.
 */
export function x25519PublicFromIdentity(raw: Uint8Array): KeyObject | undefined {
  if (raw.length !== RAW_KEY_BYTES) return undefined;
  const y = littleEndian(raw) & ((1n << 255n) - 1n);
  if (y >= P || y === 1n) return undefined;
  const u = ((1n + y) * power(P + 1n - y, P - 2n)) % P;
  return publicKeyFromRaw('X25519', toLittleEndian(u));
}

function littleEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

function toLittleEndian(value: bigint): Buffer {
  const bytes = Buffer.alloc(RAW_KEY_BYTES);
  for (let i = 0; i < RAW_KEY_BYTES; i++) {
    bytes[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return bytes;
}

/** base^exponent mod P (square and multiply); with exponent P - 2 it is the inverse (Fermat). */
function power(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  base %= P;
  for (; exponent > 0n; exponent >>= 1n) {
    if (exponent & 1n) result = (result * base) % P;
    base = (base * base) % P;
  }
  return result;
}
