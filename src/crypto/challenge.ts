import { randomBytes } from 'node:crypto';
import { clientIdKey } from '../protocol/client-id.js';
import { LABELS, transcript } from './labels.js';
import { decodeBase64, encodeBase64 } from './raw-keys.js';

export const CHALLENGE_BYTES = 32;

/** A fresh random challenge, base64: 256 bits, so it never repeats. */
export function newChallenge(): string {
  return encodeBase64(randomBytes(CHALLENGE_BYTES));
}

/** Everything a login (or registration) proof is bound to. */
export interface ProofContext {
  /** REGISTER or AUTH: a proof made for one is useless for the other. */
  purpose: 'REGISTER' | 'AUTH';
  /** The server's realm, announced in CHALLENGE: a proof for one server is useless on another. */
  realm: string;
  id: string;
  /** The identity public key being proved (base64). */
  identityKey: string;
  /** The server's challenge (base64), single use. */
  challenge: string;
  /**
   * TLS channel binding (RFC 9266 exporter, base64) when the connection is TLS, else empty:
   * a proof relayed by a man in the middle is then useless on the real server.
   */
  channelBinding: string;
}

/** The exact bytes the identity key signs to answer a challenge. */
export function proofSignedData(context: ProofContext): Buffer {
  return transcript(
    LABELS.auth,
    context.purpose,
    context.realm,
    clientIdKey(context.id),
    decodeBase64(context.identityKey) ?? Buffer.alloc(0),
    decodeBase64(context.challenge) ?? Buffer.alloc(0),
    decodeBase64(context.channelBinding) ?? Buffer.alloc(0),
  );
}

/** Exporter label and length of the TLS channel binding (RFC 9266 uses the same label). */
export const CHANNEL_BINDING = { label: 'EXPORTER-Channel-Binding', bytes: 32 } as const;
