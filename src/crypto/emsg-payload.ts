import { TAG_BYTES } from './aead.js';
import { decodeBase64, encodeBase64, RAW_KEY_BYTES } from './raw-keys.js';

/**
 * The EMSG payload: base64(E || ciphertext || tag), where E is the raw public half of the
 * sender's ephemeral X25519 key for the session. Every message carries E, so the recipient can
 * open any message of a session, even when the first one was lost, and keeps its replay
 * state per E. The server still sees one opaque base64 word.
 */
export interface EmsgPayload {
  ephemeral: Buffer;
  /** Ciphertext || 16-byte GCM tag. */
  sealed: Buffer;
}

/** Shortest payload: E and a tag around an empty ciphertext. */
export const MIN_PAYLOAD_BYTES = RAW_KEY_BYTES + TAG_BYTES;

export function encodePayload({ ephemeral, sealed }: EmsgPayload): string {
  return encodeBase64(Buffer.concat([ephemeral, sealed]));
}

/** Undefined when the payload is not strict base64 or too short to hold E and a tag. */
export function decodePayload(payload: string): EmsgPayload | undefined {
  const bytes = decodeBase64(payload);
  if (bytes === undefined || bytes.length < MIN_PAYLOAD_BYTES) return undefined;
  return { ephemeral: bytes.subarray(0, RAW_KEY_BYTES), sealed: bytes.subarray(RAW_KEY_BYTES) };
}
