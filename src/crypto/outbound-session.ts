import { generateKeyPairSync } from 'node:crypto';
import { MAX_COUNTER, seal } from './aead.js';
import { encodePayload } from './emsg-payload.js';
import type { IdentityKey } from './identity.js';
import type { AgreementKeys } from './prekey.js';
import { decodeBase64, rawPublicKey } from './raw-keys.js';
import { senderSessionKey } from './session-key.js';

/** A peer whose KEYS reply was verified (signature, pin): its wire keys and their imported forms. */
export interface VerifiedPeer {
  id: string;
  identityKey: string;
  prekey: string;
  agreement: AgreementKeys;
}

/** Who we are: id and identity key. */
export interface OwnIdentity {
  id: string;
  identity: IdentityKey;
}

/**
 * What we send to one peer under one fresh ephemeral key E. Every session makes its own E, so
 * its key is new, and its counter starts at 1 under that new key only: however often the
 * server makes us start over (LEFT, JOINED, a KEYS answer, /forget, a reconnect), no key and
 * nonce pair is ever used twice. E's private half is dropped once the key is derived.
 */
export class OutboundSession {
  readonly peerId: string;
  /** E's raw public key, carried in every payload. */
  readonly ephemeral: Buffer;
  readonly #ownId: string;
  readonly #key: Buffer;
  #sent = 0;

  constructor(own: OwnIdentity, peer: VerifiedPeer) {
    const { privateKey, publicKey } = generateKeyPairSync('x25519');
    this.peerId = peer.id;
    this.#ownId = own.id;
    this.ephemeral = rawPublicKey(publicKey);
    this.#key = senderSessionKey(own.identity, privateKey, peer.agreement, {
      from: own.id,
      to: peer.id,
      fromIdentity: raw(own.identity.publicKey),
      toIdentity: raw(peer.identityKey),
      toPrekey: raw(peer.prekey),
      ephemeral: this.ephemeral,
    });
  }

  /** Encrypts the next message: its counter and the base64 payload (E || ciphertext || tag). */
  seal(text: string): { counter: number; payload: string } {
    if (this.#sent >= MAX_COUNTER) throw new Error('message counter exhausted: reconnect for new session keys');
    const counter = ++this.#sent;
    const sealed = seal(this.#key, { from: this.#ownId, to: this.peerId, counter }, text);
    return { counter, payload: encodePayload({ ephemeral: this.ephemeral, sealed }) };
  }

  /** The session key, for the E2E key log only. */
  exportKey(): Buffer {
    return Buffer.from(this.#key);
  }
}

function raw(base64: string): Buffer {
  const bytes = decodeBase64(base64);
  if (bytes === undefined) throw new TypeError('key is not base64');
  return bytes;
}
