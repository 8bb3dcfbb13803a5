import { createCipheriv, createDecipheriv } from 'node:crypto';
import { clientIdKey } from '../protocol/client-id.js';
import { LABELS, transcript } from './labels.js';

const ALGORITHM = 'aes-256-gcm';
export const TAG_BYTES = 16;
export const NONCE_BYTES = 12;

/** Counters start at 1 and stay exact JavaScript integers. */
export const MAX_COUNTER = Number.MAX_SAFE_INTEGER;

/**
 * The 96-bit GCM nonce: 4 zero bytes, then the counter as 64-bit big-endian. A key belongs to
 * one session of one sender (its own ephemeral key) and counts strictly upwards, so a nonce never
 * repeats under the same key.
 */
export function messageNonce(counter: number): Buffer {
  const nonce = Buffer.alloc(NONCE_BYTES);
  nonce.writeBigUInt64BE(BigInt(counter), 4);
  return nonce;
}

/** Associated data: binds the ciphertext to its sender, its recipient and its counter. */
export function messageAad(from: string, to: string, counter: number): Buffer {
  return transcript(LABELS.messageAad, clientIdKey(from), clientIdKey(to), String(counter));
}

export interface Envelope {
  from: string;
  to: string;
  counter: number;
}

/** Sees the key and nonce of every encryption. */
export type SealObserver = (key: Buffer, nonce: Buffer) => void;

const sealObservers = new Set<SealObserver>();

/**
 * An audit seam: `observer` sees every (key, nonce) pair `seal` encrypts with, so a test can
 * show that none repeats, whatever the server made the client do. Returns the way to stop.
 */
export function observeSeals(observer: SealObserver): () => void {
  sealObservers.add(observer);
  return () => sealObservers.delete(observer);
}

/** Ciphertext || 16-byte tag. */
export function seal(key: Buffer, envelope: Envelope, plaintext: string): Buffer {
  const nonce = messageNonce(envelope.counter);
  for (const observer of sealObservers) observer(Buffer.from(key), Buffer.from(nonce));
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(messageAad(envelope.from, envelope.to, envelope.counter));
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
}

/** The plaintext bytes, or undefined when the tag does not verify (tampered, wrong key, wrong envelope). */
export function open(key: Buffer, envelope: Envelope, sealed: Buffer): Buffer | undefined {
  if (sealed.length < TAG_BYTES) return undefined;
  const decipher = createDecipheriv(ALGORITHM, key, messageNonce(envelope.counter), { authTagLength: TAG_BYTES });
  decipher.setAAD(messageAad(envelope.from, envelope.to, envelope.counter));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}
