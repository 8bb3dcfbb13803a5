/**
 * The exact byte strings that get signed, fed to HKDF or authenticated as AAD. Every one
 * starts with its own label, so a signature or key made for one purpose is never valid for
 * another (domain separation). docs/PROTOCOL.md section 9 spells them out; keep both in step.
 */
export const LABELS = {
  /** Signed by the identity key to log in (and to register). */
  auth: 'CHAT-MSG/1 AUTH v1',
  /** Signed by the identity key over the session's X25519 prekey. */
  prekey: 'CHAT-MSG/1 PREKEY v1',
  /** HKDF info prefix of a session key (v2: one key per sender's ephemeral key). */
  sessionKey: 'CHAT-MSG/1 EMSG key v2',
  /** AAD prefix of an encrypted message. */
  messageAad: 'CHAT-MSG/1 EMSG v2',
  /** Hashed into the safety number. */
  safetyNumber: 'CHAT-MSG/1 safety number v1',
} as const;

/**
 * Encodes parts as a sequence of (2-byte big-endian length, bytes): unambiguous whatever the
 * parts contain, so two different lists of parts never give the same bytes.
 */
export function transcript(...parts: (string | Uint8Array)[]): Buffer {
  const buffers: Buffer[] = [];
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part);
    if (bytes.length > 0xffff) throw new RangeError('transcript part longer than 65535 bytes');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    buffers.push(length, bytes);
  }
  return Buffer.concat(buffers);
}
