import { diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { publicKeyFromRaw, RAW_KEY_BYTES } from './raw-keys.js';

/**
 * Checks of keys and signatures from the network that OpenSSL does not make: it accepts an
 * Ed25519 public key or signature point R of small order (the identity point among them, with
 * which `R = identity, S = 0` "signs" anything) and encodings of a coordinate >= p. What passes
 * here is a canonical encoding of something other than a point of small order; OpenSSL then
 * refuses anything that is not a point of the curve.
 */

/** Why a key or point is refused; undefined when it is fine. */
export type KeyWeakness = 'wrong length' | 'non-canonical encoding' | 'small order' | 'not a curve point';

/** 2^255 - 19, the field of both curves. */
const P = 2n ** 255n - 19n;
/** Order of Ed25519's prime subgroup (RFC 8032): S must be below it. */
export const ED25519_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
/**
 * y of the two points of order 8 (the others are their negations, with the same y): the
 * "blocklist" value of libsodium and of RFC 8032's analyses. test/crypto/weak-keys.test.ts
 * shows with OpenSSL itself that these are points of small order.
 */
const Y_ORDER_8 = littleEndian(Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex'));
/**
 * The y coordinates of all eight points of small order, 32 bytes little-endian: identity
 * (order 1), (0, -1) (order 2), (±sqrt(-1), 0) (order 4), four points of order 8. A point has
 * small order exactly when its y is one of these. Bytes, not BigInt: checks run on every
 * signature verified, and comparing bytes costs microseconds where BigInt parsing cost 100.
 */
const SMALL_ORDER_Y = [1n, P - 1n, 0n, Y_ORDER_8, P - Y_ORDER_8].map(toLittleEndian);
const P_BYTES = toLittleEndian(P);
const ORDER_BYTES = toLittleEndian(ED25519_ORDER);

/**
 * Why an Ed25519 public key (32 raw bytes) must not be used, or undefined. Whether it is a curve
 * point at all is left to OpenSSL, which cannot decode one that is not and verifies nothing
 * with it (checking it here cost a millisecond of BigInt arithmetic per key).
 */
export function ed25519KeyWeakness(raw: Uint8Array): KeyWeakness | undefined {
  return edwardsPointWeakness(raw);
}

/**
 * Why an Ed25519 signature (64 raw bytes) is not strictly valid before any curve arithmetic:
 * R must be a canonical encoding of a point not of small order, S must be below the group
 * order (RFC 8032 5.1.7; a signature with S + L would verify under a lenient check).
 */
export function ed25519SignatureWeakness(signature: Uint8Array): KeyWeakness | undefined {
  if (signature.length !== 2 * RAW_KEY_BYTES) return 'wrong length';
  const weakness = edwardsPointWeakness(signature.subarray(0, RAW_KEY_BYTES));
  if (weakness !== undefined) return weakness;
  return compareLittleEndian(signature.subarray(RAW_KEY_BYTES), ORDER_BYTES) >= 0 ? 'non-canonical encoding' : undefined;
}

/**
 * Why an X25519 public key (32 raw bytes) must not be used, or undefined: u must be below p
 * with the top bit clear (RFC 7748 masks that bit, so a set one is a second encoding), and not
 * of low order, which would make every shared secret all-zero or predictable. Low order is
 * found by the curve itself: a clamped scalar is a multiple of the cofactor 8, so the product
 * with a point of low order is the neutral point and OpenSSL refuses the derivation.
 */
export function x25519KeyWeakness(raw: Uint8Array): KeyWeakness | undefined {
  if (raw.length !== RAW_KEY_BYTES) return 'wrong length';
  if ((raw[31]! & 0x80) !== 0 || compareLittleEndian(raw, P_BYTES) >= 0) return 'non-canonical encoding';
  const publicKey = publicKeyFromRaw('X25519', raw);
  if (publicKey === undefined) return 'not a curve point';
  try {
    const shared = diffieHellman({ privateKey: probeKey(), publicKey });
    return shared.every((byte) => byte === 0) ? 'small order' : undefined;
  } catch {
    return 'small order';
  }
}

/** Encoding and small-order checks shared by public keys and signature points R. */
function edwardsPointWeakness(raw: Uint8Array): KeyWeakness | undefined {
  if (raw.length !== RAW_KEY_BYTES) return 'wrong length';
  const y = Buffer.from(raw);
  const negativeX = (y[31]! & 0x80) !== 0;
  y[31] = y[31]! & 0x7f;
  if (compareLittleEndian(y, P_BYTES) >= 0) return 'non-canonical encoding';
  // x = 0 exactly for y = 1 and y = -1: "-0" is a second encoding (RFC 8032 5.1.3 step 4 refuses it).
  if (negativeX && (y.equals(SMALL_ORDER_Y[0]!) || y.equals(SMALL_ORDER_Y[1]!))) return 'non-canonical encoding';
  return SMALL_ORDER_Y.some((small) => y.equals(small)) ? 'small order' : undefined;
}

let probe: KeyObject | undefined;
/** A private key made once per process, only to multiply received points by a multiple of 8. */
function probeKey(): KeyObject {
  probe ??= generateKeyPairSync('x25519').privateKey;
  return probe;
}

/** Sign of a - b for two 32-byte little-endian numbers. */
function compareLittleEndian(a: Uint8Array, b: Uint8Array): number {
  for (let i = RAW_KEY_BYTES - 1; i >= 0; i--) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return 0;
}

function littleEndian(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`);
}

function toLittleEndian(value: bigint): Buffer {
  return Buffer.from(value.toString(16).padStart(2 * RAW_KEY_BYTES, '0'), 'hex').reverse();
}
