import { encodeServer, type ErrorName, type ParseResult, type Request } from '../protocol/index.js';
import { ErrorLogBudget } from './error-log-budget.js';
import type { Logger } from './logger.js';
import type { TokenBucket } from './rate-limiter.js';
import type { Member, Router } from './router.js';
import { CORE_VERBS, type VerbHandler, type VerbTable } from './verbs.js';

/** connected -> logged-in -> closed; connected -> closed (timeout, drop, hang-up). */
export type SessionState = 'connected' | 'logged-in' | 'closed';

/** What a session needs from its connection; transport.ts provides it. */
export interface SessionLink {
  /** `address:port` of the peer, for the log. */
  readonly peer: string;
  /** Queues bytes for the peer; false when they were not taken (dropped as a slow consumer, or closing). */
  send(data: string | Buffer): boolean;
  /** Sends what is queued, then closes the connection. */
  close(): void;
  /** TLS connections: the RFC 9266 exporter value (base64) that login proofs are bound to. */
  channelBinding?(): string;
}

export interface SessionOptions {
  link: SessionLink;
  router: Router;
  logger: Logger;
  /** Absent when rate limiting is off. */
  limiter?: TokenBucket | undefined;
  /** The verb handlers; CORE_VERBS unless an extension adds its own. */
  verbs?: VerbTable;
  /** Time from open() to LOGIN before ERR 408 and close; absent: no timer (unit tests drive loginTimedOut). */
  loginTimeoutMs?: number | undefined;
}

/**
 * One client's session: the state machine, given parsed requests and a link to send on.
 * No sockets here: transport.ts feeds it, so it is unit-tested with a fake link.
 */
export class Session {
  readonly router: Router;
  readonly #link: SessionLink;
  readonly #logger: Logger;
  readonly #limiter: TokenBucket | undefined;
  readonly #verbs: VerbTable;
  readonly #loginTimeoutMs: number | undefined;
  /** From open() until LOGIN or close: an idle logged-in client holds no timer. */
  #loginTimer: NodeJS.Timeout | undefined;
  #state: SessionState = 'connected';
  #member: Member | undefined;
  /** Requests dropped by the rate limiter since the last one that passed (only the first is logged). */
  #dropped = 0;
  /** Error lines of this session go to the log within this budget; the rest are counted. */
  readonly #errorLog: ErrorLogBudget;
  /** Called once when the connection is gone: extensions free what they hold for this session. */
  readonly #closeListeners: (() => void)[] = [];

  constructor(options: SessionOptions) {
    this.router = options.router;
    this.#link = options.link;
    this.#logger = options.logger;
    this.#limiter = options.limiter;
    this.#verbs = options.verbs ?? CORE_VERBS;
    this.#loginTimeoutMs = options.loginTimeoutMs;
    this.#errorLog = new ErrorLogBudget(options.logger.now());
  }

  get state(): SessionState {
    return this.#state;
  }

  /** `address:port` of the peer. */
  get peer(): string {
    return this.#link.peer;
  }

  /** The client-id once logged in. */
  get id(): string | undefined {
    return this.#member?.id;
  }

  /** The verbs this server answers, in HELP's order. */
  get verbs(): string[] {
    return Object.keys(this.#verbs);
  }

  /** The link's TLS channel binding (base64), or '' on plain TCP: secure-verbs binds login proofs to it. */
  get channelBinding(): string {
    return this.#link.channelBinding?.() ?? '';
  }

  /** The router's view of this session once logged in. */
  get member(): Member | undefined {
    return this.#member;
  }

  /** The connection is up: greet it, and start the time it has to log in. */
  open(greeting: string): void {
    this.log('connect');
    this.reply(encodeServer.hello(greeting));
    if (this.#loginTimeoutMs !== undefined) this.#loginTimer = setTimeout(() => this.loginTimedOut(), this.#loginTimeoutMs);
  }

  /** One request line, parsed. */
  receive(result: ParseResult): void {
    if (this.#state === 'closed' || !this.#admit(result.ok ? result.request.verb : result.verb)) return;
    if (!result.ok) {
      this.fail(result.error, result.detail, result.verb);
      return;
    }
    const request = result.request;
    // Each entry handles its own verb; TypeScript cannot correlate the two by itself.
    const handler = this.#verbs[request.verb] as VerbHandler<Request> | undefined;
    // An extension verb this server does not offer is as unknown as any other word.
    if (handler === undefined) {
      this.fail('MALFORMED', `unknown verb ${request.verb}`);
      return;
    }
    // A request refused for the session's state is logged by its error line alone (which names
    // the verb, within the error budget): a flood of them must not cost a log line each.
    if (handler.when === 'logged-in' && this.#state !== 'logged-in') {
      this.fail('NOT_LOGGED_IN', `${request.verb} needs LOGIN first`, request.verb);
    } else if (handler.when === 'logged-out' && this.#state === 'logged-in') {
      this.fail('CONFLICT', `this connection is already logged in as ${this.id}`, request.verb);
    } else {
      const { detail, text } = handler.describe?.(request) ?? {};
      this.log(request.verb, detail, text);
      handler.handle(this, request);
    }
  }

  /** A line passed the limit; the decoder discards it up to the next LF. */
  lineTooLong(maxLine: number): void {
    if (this.#state === 'closed' || !this.#admit(undefined)) return;
    this.fail('LINE_TOO_LONG', `max ${maxLine} bytes including LF`);
  }

  /** No LOGIN in time: ERR 408, then close. */
  loginTimedOut(): void {
    if (this.#state !== 'connected') return;
    this.fail('LOGIN_TIMEOUT');
    this.end();
  }

  /** The server shuts down: BYE, then close; others are not told (they get BYE too). */
  shutdown(text: string): void {
    if (this.#state === 'closed') return;
    this.reply(encodeServer.bye(text));
    this.end();
  }

  /** The connection is gone, for whatever reason. A logged-in client counts as logged off: LEFT to others. */
  closed(reason: string): void {
    clearTimeout(this.#loginTimer);
    this.#logSuppressed(this.#errorLog.flush());
    this.log('disconnect', reason);
    this.leave();
    this.#state = 'closed';
    for (const listener of this.#closeListeners.splice(0)) listener();
  }

  /** Runs `listener` once when the connection is gone (an extension frees what it holds for the session). */
  onClose(listener: () => void): void {
    this.#closeListeners.push(listener);
  }

  // ---- for verb handlers ----

  reply(line: string): void {
    this.#link.send(line);
  }

  /** Sends `ERR <code> <reason>[: detail]` and logs it. The connection stays open. */
  fail(error: ErrorName, detail?: string, verb?: string): void {
    const line = encodeServer.err(error, detail);
    const verdict = this.#errorLog.admit(this.#logger.now());
    if (verdict.log) {
      this.#logSuppressed(verdict.suppressedBefore);
      this.log(errorEvent(line), verb === undefined ? detail : `${verb} ${detail ?? ''}`.trimEnd());
    } else {
      this.#logSuppressed(verdict.summary ?? 0);
    }
    this.reply(line);
  }

  /** Goes online as `id` and tells the others; false when the id is taken. */
  enter(id: string): boolean {
    const member: Member = { id, deliver: (bytes) => this.#link.send(bytes) };
    if (!this.router.add(member)) return false;
    this.#member = member;
    this.#state = 'logged-in';
    clearTimeout(this.#loginTimer);
    this.#loginTimer = undefined;
    this.router.broadcast(encodeServer.joined(id), member);
    return true;
  }

  /** Goes offline and tells the others (once). */
  leave(): void {
    const member = this.#member;
    if (member !== undefined && this.router.remove(member)) {
      this.router.broadcast(encodeServer.left(member.id), member);
    }
  }

  /** Ignores further input and closes the connection once what is queued is sent. */
  end(): void {
    clearTimeout(this.#loginTimer);
    this.#state = 'closed';
    this.#link.close();
  }

  log(event: string, detail?: string, text?: string): void {
    this.#logger.log({ peer: this.#link.peer, id: this.id, event, detail, text });
  }

  /** One line for `count` errors of this session that were answered but not logged. */
  #logSuppressed(count: number): void {
    if (count > 0) this.log('summary', `${count} more bad lines from ${this.#link.peer} suppressed`);
  }

  /** The rate limiter's verdict; a dropped request gets ERR 429. */
  #admit(verb: string | undefined): boolean {
    if (this.#limiter === undefined || this.#limiter.take()) {
      this.#dropped = 0;
      return true;
    }
    const line = encodeServer.err('RATE_LIMITED');
    if (this.#dropped++ === 0) this.log(errorEvent(line), `${verb ?? '-'} dropped, and all until the client slows down`);
    this.reply(line);
    return false;
  }
}

/** `ERR 404` from an encoded error line: the log's event name for it. */
function errorEvent(line: string): string {
  return line.slice(0, 'ERR 000'.length);
}
