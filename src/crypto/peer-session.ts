import { decodeLine } from '../protocol/text.js';
import { MAX_COUNTER, open, seal } from './aead.js';
import type { MessageKeys } from './message-keys.js';
import { decodeBase64, encodeBase64 } from './raw-keys.js';

/** Why a received message was refused; shown to the user. */
export const REJECTIONS = {
  replayed: 'replayed or old message (counter already used)',
  'out-of-order': 'out-of-order message (a counter was skipped)',
  tampered: 'message failed authentication (modified, or not encrypted for this session)',
  malformed: 'message is not valid base64, or its plaintext is not valid text',
} as const;

export type RejectionKind = keyof typeof REJECTIONS;

export type Opened =
  | { ok: true; text: string }
  | { ok: false; kind: RejectionKind; reason: string };

/**
 * The encrypted conversation with one peer for the lifetime of both sessions' prekeys.
 * Sending counts 1, 2, 3 ...; receiving accepts exactly the next counter and only after the
 * tag verifies, so a modified, replayed or reordered message is refused and does not move
 * the counter (the genuine next message is still accepted).
 */
export class PeerSession {
  readonly ownId: string;
  readonly peerId: string;
  readonly #keys: MessageKeys;
  #sent = 0;
  #received = 0;

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
    const expected = this.#received + 1;
    if (counter < expected) return reject('replayed', `counter ${counter}, expected ${expected}`);
    if (counter > expected) return reject('out-of-order', `counter ${counter}, expected ${expected}`);
    const sealed = decodeBase64(payload);
    if (sealed === undefined) return reject('malformed', 'payload is not base64');
    const plain = open(this.#keys.receive, { from: this.peerId, to: this.ownId, counter }, sealed);
    if (plain === undefined) return reject('tampered', `counter ${counter}`);
    // Authenticated, so the counter is used even if the text turns out unusable.
    this.#received = counter;
    const text = decodeLine(plain);
    if (!text.ok) return reject('malformed', text.reason);
    return { ok: true, text: text.text };
  }
}

function reject(kind: RejectionKind, detail: string): Opened {
  return { ok: false, kind, reason: `${REJECTIONS[kind]}: ${detail}` };
}
