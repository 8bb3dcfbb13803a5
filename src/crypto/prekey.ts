import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { clientIdKey } from '../protocol/client-id.js';
import { verifyIdentitySignature, type IdentityKey } from './identity.js';
import { x25519PublicFromIdentity } from './identity-x25519.js';
import { LABELS, transcript } from './labels.js';
import { decodeBase64, encodeBase64, publicKeyFromBase64, rawPublicKey } from './raw-keys.js';

/**
 * A session's signed X25519 key ("prekey"): made fresh for each login, kept in memory only, and
 * published through the server signed by the identity key. Session keys need it (and the
 * senders' ephemeral keys, also never stored), so a stolen identity key cannot decrypt earlier traffic.
 */
export interface Prekey {
  readonly privateKey: KeyObject;
  /** Raw public key, base64. */
  readonly publicKey: string;
  /** The identity key's signature over prekeySignedData(id, publicKey), base64. */
  readonly signature: string;
}

/** What the identity key signs: the label, the owner's id (case-folded) and the raw prekey. */
export function prekeySignedData(id: string, prekeyPublic: Uint8Array): Buffer {
  return transcript(LABELS.prekey, clientIdKey(id), prekeyPublic);
}

export function createPrekey(identity: IdentityKey, id: string): Prekey {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const raw = rawPublicKey(publicKey);
  return { privateKey, publicKey: encodeBase64(raw), signature: identity.sign(prekeySignedData(id, raw)) };
}

/** A peer's keys as the server hands them out (KEYS reply). */
export interface PeerKeys {
  id: string;
  identityKey: string;
  prekey: string;
  signature: string;
}

/** A peer's public keys imported for X25519: the prekey, and the identity key in its X25519 form. */
export interface AgreementKeys {
  prekey: KeyObject;
  identity: KeyObject;
}

/**
 * Checks that `keys.prekey` is a valid X25519 key signed by `keys.identityKey` for `keys.id`, and
 * that the identity key maps to an X25519 key. Returns the imported keys, or a reason to refuse.
 * (A low-order key passes here and is refused by the key agreement, whose result is then zero.)
 */
export function verifyPeerKeys(keys: PeerKeys): { ok: true; agreement: AgreementKeys } | { ok: false; reason: string } {
  const raw = decodeBase64(keys.prekey);
  const prekey = publicKeyFromBase64('X25519', keys.prekey);
  if (raw === undefined || prekey === undefined) return { ok: false, reason: `${keys.id}'s prekey is not an X25519 key` };
  if (!verifyIdentitySignature(keys.identityKey, prekeySignedData(keys.id, raw), keys.signature)) {
    return { ok: false, reason: `${keys.id}'s prekey is not signed by ${keys.id}'s identity key` };
  }
  const identity = x25519PublicFromIdentity(decodeBase64(keys.identityKey) ?? Buffer.alloc(0));
  if (identity === undefined) return { ok: false, reason: `${keys.id}'s identity key is the neutral point or not canonically encoded` };
  return { ok: true, agreement: { prekey, identity } };
}
