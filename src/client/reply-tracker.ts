import type { ServerPdu } from '../protocol/index.js';

/** What the secure layer wants to recognise the reply of. */
export type RequestTag =
  | { kind: 'login'; purpose: 'REGISTER' | 'AUTH'; id: string }
  | { kind: 'keys'; id: string }
  /** LIST for an encrypted broadcast: the text goes to each id listed. */
  | { kind: 'fan-out'; text: string };

interface Outstanding {
  line: string;
  tag?: RequestTag | undefined;
}

/** Errors the server sends on its own, not as the reply to a request. */
const UNSOLICITED_ERRORS = new Set([408, 503]);

/**
 * Matches replies to requests. The server answers every non-empty request line with exactly
 * one reply (OK, ERR, PONG or CHALLENGE), in order, so a FIFO of the lines sent tells which
 * request a reply belongs to, whatever else (MSG, JOINED, EMSG ...) arrives in between.
 */
export class ReplyTracker {
  readonly #outstanding: Outstanding[] = [];
  /** Tags waiting for their line to be written (lines may queue before the connection is up). */
  readonly #tags: Outstanding[] = [];

  /** The next time exactly `line` is sent, it carries `tag`. */
  tag(line: string, tag: RequestTag): void {
    this.#tags.push({ line, tag });
  }

  sent(line: string): void {
    if (line.trim() === '') return;
    const index = this.#tags.findIndex((entry) => entry.line === line);
    const tag = index === -1 ? undefined : this.#tags.splice(index, 1)[0]!.tag;
    this.#outstanding.push({ line, tag });
  }

  /** The request a reply answers, or undefined when `pdu` is not a reply. */
  received(pdu: ServerPdu): Outstanding | undefined {
    const isReply = pdu.kind === 'OK' || pdu.kind === 'PONG' || pdu.kind === 'CHALLENGE' || (pdu.kind === 'ERR' && !UNSOLICITED_ERRORS.has(pdu.code));
    return isReply ? this.#outstanding.shift() : undefined;
  }

  /** True while a request with a matching tag is queued or waits for its reply. */
  pending(match: (tag: RequestTag) => boolean): boolean {
    return [...this.#tags, ...this.#outstanding].some((entry) => entry.tag !== undefined && match(entry.tag));
  }
}
