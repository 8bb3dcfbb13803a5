import { diffieHellman, hkdfSync, type KeyObject } from 'node:crypto';
import { clientIdKey } from '../protocol/client-id.js';
import { LABELS, transcript } from './labels.js';
import { decodeBase64 } from './raw-keys.js';

export const MESSAGE_KEY_BYTES = 32;

/** One side of a conversation: an id and its session prekey (public, base64). */
export interface Party {
  id: string;
  prekey: string;
}

/** The two directional AES-256 keys of a pair of sessions. */
export interface MessageKeys {
  /** Encrypts what we send to the peer. */
  send: Buffer;
  /** Decrypts what the peer sends us. */
  receive: Buffer;
}

/**
 * X25519 between our prekey and the peer's, then one HKDF-SHA256 per direction:
 *   ikm  = X25519(own prekey private, peer prekey public)           (32 bytes)
 *   salt = raw prekey of the sender || raw prekey of the recipient (64 bytes)
 *   info = transcript(LABELS.messageKey, sender id, recipient id)   (ids case-folded)
 * Each direction has its own key, so a message can never be reflected back to its sender.
 */
export function deriveMessageKeys(ownPrivate: KeyObject, own: Party, peerPublic: KeyObject, peer: Party): MessageKeys {
  const shared = diffieHellman({ privateKey: ownPrivate, publicKey: peerPublic });
  // A low-order peer key gives an all-zero secret that an attacker knows (RFC 7748, section 6.1).
  if (shared.every((byte) => byte === 0)) throw new Error(`${peer.id}'s prekey is a low-order point`);
  return { send: directionKey(shared, own, peer), receive: directionKey(shared, peer, own) };
}

function directionKey(shared: Buffer, from: Party, to: Party): Buffer {
  const salt = Buffer.concat([rawKey(from.prekey), rawKey(to.prekey)]);
  const info = transcript(LABELS.messageKey, clientIdKey(from.id), clientIdKey(to.id));
  return Buffer.from(hkdfSync('sha256', shared, salt, info, MESSAGE_KEY_BYTES));
}

function rawKey(base64: string): Buffer {
  const raw = decodeBase64(base64);
  if (raw === undefined) throw new TypeError('prekey is not base64');
  return raw;
}
