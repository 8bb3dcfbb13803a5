import type { KeyObject } from 'node:crypto';
import { clientIdKey } from '../protocol/client-id.js';
import { decodeLine } from '../protocol/text.js';
import { open } from './aead.js';
import { decodePayload } from './emsg-payload.js';
import type { OwnIdentity } from './outbound-session.js';
import type { Prekey } from './prekey.js';
import { decodeBase64, publicKeyFromRaw } from './raw-keys.js';
import { ReplayWindow } from './replay-window.js';
import { recipientSessionKey } from './session-key.js';
import { LowOrderKeyError } from './x25519.js';

/** Why a received message was refused; shown to the user. */
export const REJECTIONS = {
  replayed: 'replayed message (counter already used)',
  'out-of-order': 'out-of-order message (arrived after a later one)',
  tampered: 'message failed authentication (modified, or not encrypted for this session)',
  malformed: 'message is not valid base64, or its plaintext is not valid text',
  expired: 'message of a session forgotten to bound memory (refused: it could be a replay)',
  'too-many-sessions': 'too many encrypted sessions to track (refused: log in again for a fresh prekey)',
} as const;

export type RejectionKind = keyof typeof REJECTIONS;

export type Opened =
  /** `missing`: how many counters of the session were skipped just before this one (dropped or held back on the way). */
  | { ok: true; text: string; missing: number }
  | { ok: false; kind: RejectionKind; reason: string };

/** A sender whose keys were verified: id, identity key (base64) and its X25519 form. */
export interface InboundSender {
  id: string;
  identityKey: string;
  agreement: { identity: KeyObject };
}

export interface InboundLimits {
  /** Sessions whose key and replay window are kept. */
  sessions: number;
  /** Evicted sessions remembered (by sender and E) so their messages stay refused. */
  retired: number;
}

/**
 * A lab's worth of senders with a few sessions each fit. Worst case, every session holds 1000
 * skipped counters: 256 sessions stay near 10 MB, and 65536 retired ids (sender and E, about 100
 * bytes each) near 10 MB more. A peer that opens sessions without end fills `retired` and then
 * gets its new sessions refused, never its old messages accepted again.
 */
export const DEFAULT_INBOUND_LIMITS: InboundLimits = { sessions: 256, retired: 65_536 };

interface Session {
  key: Buffer;
  window: ReplayWindow;
}

/**
 * Everything received under our current prekey, one replay window per session (sender id and
 * its ephemeral key E). The windows live as long as the prekey, because that is as long as the
 * session keys can be derived: LEFT, JOINED, KEYS answers and /forget do not touch them. A new
 * login makes a new prekey and a new InboundSessions; old messages then no longer decrypt.
 * Memory is bounded: past `limits.sessions`, the least recently used session is evicted and
 * its (sender, E) retired, so its messages are refused rather than accepted again.
 */
export class InboundSessions {
  readonly #own: OwnIdentity;
  readonly #prekey: Prekey;
  readonly #limits: InboundLimits;
  readonly #onNewSession: (from: string, ephemeral: Buffer, key: Buffer) => void;
  /** In least-recently-used order (a Map iterates in insertion order; a use re-inserts). */
  readonly #sessions = new Map<string, Session>();
  readonly #retired = new Set<string>();

  constructor(own: OwnIdentity, prekey: Prekey, options: { limits?: InboundLimits; onNewSession?: (from: string, ephemeral: Buffer, key: Buffer) => void } = {}) {
    this.#own = own;
    this.#prekey = prekey;
    this.#limits = options.limits ?? DEFAULT_INBOUND_LIMITS;
    this.#onNewSession = options.onNewSession ?? (() => {});
  }

  open(sender: InboundSender, counter: number, payload: string): Opened {
    const decoded = decodePayload(payload);
    if (decoded === undefined) return reject('malformed', 'payload is not base64, or too short for an ephemeral key and a tag');
    const id = `${clientIdKey(sender.id)} ${decoded.ephemeral.toString('hex')}`;
    if (this.#retired.has(id)) return reject('expired', `counter ${counter}`);
    const envelope = { from: sender.id, to: this.#own.id, counter };
    const known = this.#sessions.get(id);
    if (known !== undefined) {
      const refusal = known.window.refusal(counter);
      if (refusal !== undefined) return reject(refusal.kind, refusal.detail);
      const plain = open(known.key, envelope, decoded.sealed);
      if (plain === undefined) return reject('tampered', `counter ${counter}`);
      this.#sessions.delete(id);
      this.#sessions.set(id, known);
      return opened(plain, known.window.accept(counter));
    }
    if (this.#sessions.size >= this.#limits.sessions && this.#retired.size >= this.#limits.retired) {
      return reject('too-many-sessions', `${this.#sessions.size} open, ${this.#retired.size} retired`);
    }
    const key = this.#derive(sender, decoded.ephemeral);
    if (key === undefined) return reject('tampered', `counter ${counter}: the ephemeral key is a low-order point`);
    const plain = open(key, envelope, decoded.sealed);
    if (plain === undefined) return reject('tampered', `counter ${counter}`);
    // Authenticated: only now does the session take memory.
    const session = { key, window: new ReplayWindow() };
    this.#sessions.set(id, session);
    this.#evict();
    this.#onNewSession(sender.id, decoded.ephemeral, key);
    return opened(plain, session.window.accept(counter));
  }

  #derive(sender: InboundSender, ephemeral: Buffer): Buffer | undefined {
    const ephemeralKey = publicKeyFromRaw('X25519', ephemeral);
    if (ephemeralKey === undefined) return undefined;
    try {
      return recipientSessionKey(this.#own.identity, this.#prekey.privateKey, { identity: sender.agreement.identity, ephemeral: ephemeralKey }, {
        from: sender.id,
        to: this.#own.id,
        fromIdentity: decodeBase64(sender.identityKey) ?? Buffer.alloc(0),
        toIdentity: decodeBase64(this.#own.identity.publicKey) ?? Buffer.alloc(0),
        toPrekey: decodeBase64(this.#prekey.publicKey) ?? Buffer.alloc(0),
        ephemeral,
      });
    } catch (error) {
      if (error instanceof LowOrderKeyError) return undefined;
      throw error;
    }
  }

  #evict(): void {
    while (this.#sessions.size > this.#limits.sessions) {
      const oldest = this.#sessions.keys().next().value as string;
      this.#sessions.delete(oldest);
      this.#retired.add(oldest);
    }
  }
}

function opened(plain: Buffer, missing: number): Opened {
  const text = decodeLine(plain);
  // Authenticated, so the counter stays used even though the text is unusable.
  return text.ok ? { ok: true, text: text.text, missing } : reject('malformed', text.reason);
}

function reject(kind: RejectionKind, detail: string): Opened {
  return { ok: false, kind, reason: `${REJECTIONS[kind]}: ${detail}` };
}
