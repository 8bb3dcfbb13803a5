import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { x25519Agree } from './x25519.js';
import { x25519PrivateFromSeed } from './identity-x25519.js';
import { decodeBase64, encodeBase64, publicKeyFromBase64, rawPublicKey } from './raw-keys.js';

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

/** True when `signature` (base64) is `publicKey`'s (base64) Ed25519 signature of `data`. Never throws. */
export function verifyIdentitySignature(publicKey: string, data: Uint8Array, signature: string): boolean {
  const key = publicKeyFromBase64('Ed25519', publicKey);
  const sig = decodeBase64(signature);
  if (key === undefined || sig === undefined || sig.length !== 64) return false;
  try {
    return verify(null, data, key, sig);
  } catch {
    return false;
  }
}

/** True for a base64 string that decodes to a valid Ed25519 public key. */
export function isIdentityPublicKey(text: string): boolean {
  return publicKeyFromBase64('Ed25519', text) !== undefined;
}
