import { IdentityKey } from '../../src/crypto/identity.js';
import { deriveMessageKeys } from '../../src/crypto/message-keys.js';
import { PeerSession } from '../../src/crypto/peer-session.js';
import { createPrekey, verifyPeerKeys, type Prekey } from '../../src/crypto/prekey.js';

export interface User {
  id: string;
  identity: IdentityKey;
  prekey: Prekey;
}

export function user(id: string): User {
  const identity = IdentityKey.generate();
  return { id, identity, prekey: createPrekey(identity, id) };
}

/** The session `own` holds with `peer`, built the way a client does it (verify, then derive). */
export function sessionBetween(own: User, peer: User): PeerSession {
  const verified = verifyPeerKeys({ id: peer.id, identityKey: peer.identity.publicKey, prekey: peer.prekey.publicKey, signature: peer.prekey.signature });
  if (!verified.ok) throw new Error(verified.reason);
  const keys = deriveMessageKeys(own.prekey.privateKey, { id: own.id, prekey: own.prekey.publicKey }, verified.prekey, { id: peer.id, prekey: peer.prekey.publicKey });
  return new PeerSession(own.id, peer.id, keys);
}
