import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { x25519Agree } from './x25519.js';
import { x25519PrivateFromSeed } from './identity-x25519.js';
import { decodeBase64, encodeBase64, publicKeyFromRaw, rawPublicKey } from './raw-keys.js';
import { ed25519KeyWeakness, ed25519SignatureWeakness, type KeyWeakness } from './weak-keys.js';

/** An Ed25519 identity key pair: the long-term key that stands for a user. */
export class IdentityKey {
  readonly #privateKey: KeyObject;
  /** The same key as an X25519 private key, made on first use. */
  #agreementKey: KeyObject | undefined;
  /** The public key as it travels on the wire (base64 of 32 raw bytes). */
  readonly publicKey: string;

  private constructor(privateKey: KeyObject) {
    this.#privateKey = privateKey;
    this.publicKey = encodeBase64(rawPublicKey(createPublicKey(privateKey)));
  }

  static generate(): IdentityKey {
    return new IdentityKey(generateKeyPairSync('ed25519').privateKey);
  }

  /** From a PKCS#8 PEM (what `toPem` writes); throws when it is not an Ed25519 private key. */
  static fromPem(pem: string): IdentityKey {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new TypeError(`not an Ed25519 key (${key.asymmetricKeyType ?? 'unknown type'})`);
    return new IdentityKey(key);
  }

  toPem(): string {
    return this.#privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  }

  /**
   * X25519 between this identity key (converted, see identity-x25519.ts) and `peer`; throws
   * when the result is all zero (a low-order peer key).
   */
  agree(peer: KeyObject): Buffer {
    this.#agreementKey ??= x25519PrivateFromSeed(Buffer.from(this.#privateKey.export({ format: 'jwk' }).d ?? '', 'base64url'));
    return x25519Agree(this.#agreementKey, peer);
  }

  /** An Ed25519 signature of `data`, base64. */
  sign(data: Uint8Array): string {
    return encodeBase64(sign(null, data, this.#privateKey));
  }
}

/**
 * True when `signature` (base64) is `publicKey`'s (base64) Ed25519 signature of `data`, verified
 * strictly: a weak key (small order, non-canonical) or a weak signature (small-order or
 * non-canonical R, S >= L) never verifies, whatever OpenSSL would say. Never throws.
 */
export function verifyIdentitySignature(publicKey: string, data: Uint8Array, signature: string): boolean {
  const raw = decodeBase64(publicKey);
  const sig = decodeBase64(signature);
  if (raw === undefined || sig === undefined || ed25519KeyWeakness(raw) !== undefined || ed25519SignatureWeakness(sig) !== undefined) return false;
  const key = publicKeyFromRaw('Ed25519', raw);
  if (key === undefined) return false;
  try {
    return verify(null, data, key, sig);
  } catch {
    return false;
  }
}

/** True for a base64 string that decodes to an Ed25519 public key OpenSSL imports (weak or not: see identityKeyWeakness). */
export function isIdentityPublicKey(text: string): boolean {
  const raw = decodeBase64(text);
  return raw !== undefined && publicKeyFromRaw('Ed25519', raw) !== undefined;
}

/** Why a (valid base64) identity key must be refused: small order, non-canonical, off the curve; undefined when fine. */
export function identityKeyWeakness(text: string): KeyWeakness | undefined {
  const raw = decodeBase64(text);
  return raw === undefined ? 'non-canonical encoding' : ed25519KeyWeakness(raw);
}
