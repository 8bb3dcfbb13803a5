import { createHash } from 'node:crypto';
import { clientIdKey } from '../protocol/client-id.js';
import { LABELS, transcript } from './labels.js';
import { decodeBase64 } from './raw-keys.js';

/**
 * Iterations of SHA-512 behind each fingerprint: they make finding a second key with the same
 * digits (to fool a comparison by voice) cost thousands of times more per try.
 */
const ITERATIONS = 5200;
const GROUPS = 6;
const GROUP_BYTES = 5;

/**
 * A key's fingerprint as 30 decimal digits in 6 groups of 5 ("12345 67890 ..."): short enough
 * to read over the phone. Digits come from 5-byte chunks of an iterated SHA-512 of the label,
 * the raw key and the id, each taken modulo 100000.
 */
export function fingerprint(id: string, identityKey: string): string {
  const raw = decodeBase64(identityKey);
  if (raw === undefined) throw new TypeError('identity key is not base64');
  let digest = createHash('sha512').update(transcript(LABELS.safetyNumber, raw, clientIdKey(id))).digest();
  for (let i = 1; i < ITERATIONS; i++) digest = createHash('sha512').update(digest).update(raw).digest();
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    const value = digest.readUIntBE(g * GROUP_BYTES, GROUP_BYTES) % 100_000;
    groups.push(String(value).padStart(5, '0'));
  }
  return groups.join(' ');
}

/**
 * The safety number of a pair: both fingerprints, lower one first, so Alice and Bob see the
 * same 60 digits and can compare them by voice. Equal numbers mean each has the other's real key.
 */
export function safetyNumber(a: { id: string; identityKey: string }, b: { id: string; identityKey: string }): string {
  const pair = [fingerprint(a.id, a.identityKey), fingerprint(b.id, b.identityKey)].sort();
  return pair.join(' ');
}
