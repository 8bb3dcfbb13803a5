import { hkdfSync, type KeyObject } from 'node:crypto';
import { clientIdKey } from '../protocol/client-id.js';
import type { IdentityKey } from './identity.js';
import { LABELS, transcript } from './labels.js';
import { x25519Agree } from './x25519.js';

export const SESSION_KEY_BYTES = 32;

/** Everything a session key is bound to, public values as raw 32-byte keys. */
export interface SessionContext {
  from: string;
  to: string;
  /** The sender's Ed25519 identity key. */
  fromIdentity: Uint8Array;
  /** The recipient's Ed25519 identity key. */
  toIdentity: Uint8Array;
  /** The recipient's signed prekey (its session's X25519 key) that the sender used. */
  toPrekey: Uint8Array;
  /** The sender's fresh ephemeral X25519 key, made for this one session. */
  ephemeral: Uint8Array;
}

/**
 * The sender's side of an X3DH-style agreement without one-time prekeys (IK = the identity
 * key in its X25519 form, SPK = the recipient's signed prekey, E = the sender's ephemeral key):
 *   DH1 = X25519(IK_from, SPK_to)   authenticates the sender: needs the sender's identity key
 *   DH2 = X25519(E, IK_to)          only the recipient's identity key can compute it
 *   DH3 = X25519(E, SPK_to)         forward secrecy: E and SPK_to are never stored
 */
export function senderSessionKey(
  own: IdentityKey,
  ephemeral: KeyObject,
  peer: { identity: KeyObject; prekey: KeyObject },
  context: SessionContext,
): Buffer {
  return sessionKey([own.agree(peer.prekey), x25519Agree(ephemeral, peer.identity), x25519Agree(ephemeral, peer.prekey)], context);
}

/** The recipient's side: the same three results, computed with its own private halves. */
export function recipientSessionKey(
  own: IdentityKey,
  prekey: KeyObject,
  peer: { identity: KeyObject; ephemeral: KeyObject },
  context: SessionContext,
): Buffer {
  return sessionKey([x25519Agree(prekey, peer.identity), own.agree(peer.ephemeral), x25519Agree(prekey, peer.ephemeral)], context);
}

/**
 *   key = HKDF-SHA256(ikm = DH1 || DH2 || DH3, salt = 32 zero bytes,
 *                     info = transcript(label, from, to, IK_from, IK_to, SPK_to, E))
 * E is fresh for every session, so no two sessions share a key, whatever the server sends.
 */
function sessionKey(secrets: Buffer[], context: SessionContext): Buffer {
  const info = transcript(
    LABELS.sessionKey,
    clientIdKey(context.from),
    clientIdKey(context.to),
    context.fromIdentity,
    context.toIdentity,
    context.toPrekey,
    context.ephemeral,
  );
  return Buffer.from(hkdfSync('sha256', Buffer.concat(secrets), Buffer.alloc(SESSION_KEY_BYTES), info, SESSION_KEY_BYTES));
}
