import { IdentityKey } from '../../src/crypto/identity.js';
import { InboundSessions, type InboundLimits } from '../../src/crypto/inbound-sessions.js';
import { OutboundSession, type VerifiedPeer } from '../../src/crypto/outbound-session.js';
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

/** `peer`'s keys as a client holds them after checking a KEYS reply. */
export function verified(peer: User): VerifiedPeer {
  const keys = { id: peer.id, identityKey: peer.identity.publicKey, prekey: peer.prekey.publicKey, signature: peer.prekey.signature };
  const result = verifyPeerKeys(keys);
  if (!result.ok) throw new Error(result.reason);
  return { id: keys.id, identityKey: keys.identityKey, prekey: keys.prekey, agreement: result.agreement };
}

/** A new session from `own` to `peer`, started the way a client does it (verify, then a fresh ephemeral key). */
export function sessionTo(own: User, peer: User): OutboundSession {
  return new OutboundSession({ id: own.id, identity: own.identity }, verified(peer));
}

/** What `own` received under its current prekey. */
export function receiver(own: User, limits?: InboundLimits): InboundSessions {
  return new InboundSessions({ id: own.id, identity: own.identity }, own.prekey, limits === undefined ? {} : { limits });
}
