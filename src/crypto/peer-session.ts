import { decodeLine } from '../protocol/text.js';
import { MAX_COUNTER, open, seal } from './aead.js';
import type { MessageKeys } from './message-keys.js';
import { decodeBase64, encodeBase64 } from './raw-keys.js';

/** Why a received message was refused; shown to the user. */
export const REJECTIONS = {
  replayed: 'replayed message (counter already used)',
  'out-of-order': 'out-of-order message (arrived after a later one)',
  tampered: 'message failed authentication (modified, or not encrypted for this session)',
  malformed: 'message is not valid base64, or its plaintext is not valid text',
} as const;

export type RejectionKind = keyof typeof REJECTIONS;

export type Opened =
  /** `missing`: how many counters were skipped just before this one (dropped or held back on the way). */
  | { ok: true; text: string; missing: number }
  | { ok: false; kind: RejectionKind; reason: string };

/** Skipped counters remembered to tell a late message from a replay; beyond this, late ones count as replays. */
const MAX_SKIPPED = 1000;

/**
 * The encrypted conversation with one peer for the lifetime of both sessions' prekeys.
 * Sending counts 1, 2, 3 ...; receiving accepts only counters above the highest accepted one,
 * and only after the tag verifies. So a modified message is refused (and moves nothing), a
 * replayed one or one that arrives after a later one is refused, and a gap (messages dropped
 * on the way) is reported with the next message instead of stalling the conversation.
 */
export class PeerSession {
  readonly ownId: string;
  readonly peerId: string;
  readonly #keys: MessageKeys;
  #sent = 0;
  #received = 0;
  readonly #skipped = new Set<number>();

  constructor(ownId: string, peerId: string, keys: MessageKeys) {
    this.ownId = ownId;
    this.peerId = peerId;
    this.#keys = keys;
  }

  /** Encrypts the next message: its counter and the base64 payload. */
  seal(text: string): { counter: number; payload: string } {
    if (this.#sent >= MAX_COUNTER) throw new Error('message counter exhausted: reconnect for new session keys');
    const counter = ++this.#sent;
    const sealed = seal(this.#keys.send, { from: this.ownId, to: this.peerId, counter }, text);
    return { counter, payload: encodeBase64(sealed) };
  }

  open(counter: number, payload: string): Opened {
    const last = this.#received;
    if (counter <= last) return reject(this.#skipped.has(counter) ? 'out-of-order' : 'replayed', `counter ${counter}, already at ${last}`);
    const sealed = decodeBase64(payload);
    if (sealed === undefined) return reject('malformed', 'payload is not base64');
    const plain = open(this.#keys.receive, { from: this.peerId, to: this.ownId, counter }, sealed);
    if (plain === undefined) return reject('tampered', `counter ${counter}`);
    // Authenticated, so the counter is used even if the text turns out unusable.
    for (let skipped = last + 1; skipped < counter && this.#skipped.size < MAX_SKIPPED; skipped++) this.#skipped.add(skipped);
    this.#received = counter;
    const text = decodeLine(plain);
    if (!text.ok) return reject('malformed', text.reason);
    return { ok: true, text: text.text, missing: counter - last - 1 };
  }
}

function reject(kind: RejectionKind, detail: string): Opened {
  return { ok: false, kind, reason: `${REJECTIONS[kind]}: ${detail}` };
}
