/** What the pacer needs of time; tests pass a fake one. */
export interface PacerClock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Runs `run` once, `ms` from now, without keeping the process alive for it. */
  later(run: () => void, ms: number): void;
}

const realClock: PacerClock = {
  now: () => performance.now(),
  later: (run, ms) => setTimeout(run, ms).unref(),
};

/** What the pacer drives: the router's presence flush, and the transport's write flush around it. */
export interface PacedFlush {
  /** The router hands every member its waiting notices (Router.endTurn). */
  presence(): void;
  /** Make sure the transport flushes its writes at the end of this turn (the flush calls beforeFlush). */
  requestWrite(): void;
  /** Flush the transport's writes now (from a timer: no turn of I/O is ending). */
  writeNow(): void;
}

/**
 * How much time the server may spend between two presence flushes, as a multiple of what the
 * last one cost: 1 gives presence at most about half of a busy server's time.
 */
const PAUSE_PER_COST = 1;

/**
 * When the router's presence notices (JOINED / LEFT) leave. A presence flush writes to every
 * member online: microseconds in a five-client lab, tens of milliseconds with 10,000 online. If
 * each turn that announced something flushed, logins arriving one per turn would cost a write
 * to everyone each, N^2 writes for N logins, and the writes would crowd out the logins
 * themselves (docs/PERFORMANCE.md, the presence storm). So after a flush that took T ms, the
 * next one waits until PAUSE_PER_COST x T ms have passed; notices announced meanwhile gather in
 * the router's journal and leave together, one write per member. Order is unaffected: a member
 * sent anything else first receives its waiting notices (Router.catchUp).
 */
export class PresencePacer {
  readonly #flush: PacedFlush;
  readonly #clock: PacerClock;
  /** Notices are waiting in the router. */
  #pending = false;
  /** A timer will flush them; no second one is set. */
  #timerSet = false;
  /** No presence flush before this time. */
  #notBefore = Number.NEGATIVE_INFINITY;
  /** Set while a write flush that carries presence runs: when it started. */
  #startedAt: number | undefined;

  constructor(flush: PacedFlush, clock: PacerClock = realClock) {
    this.#flush = flush;
    this.#clock = clock;
  }

  /** The router's scheduler: notices were announced and wait for a flush. */
  pending(): void {
    this.#pending = true;
    if (this.#clock.now() >= this.#notBefore) this.#flush.requestWrite();
    else this.#arm();
  }

  /** The transport's write flush is starting: the notices join it when they are due. */
  beforeFlush(): void {
    if (!this.#pending) return;
    if (this.#clock.now() < this.#notBefore) {
      // Not yet (a timer may fire a little early: libuv counts whole milliseconds): try again later.
      this.#arm();
      return;
    }
    this.#pending = false;
    this.#startedAt = this.#clock.now();
    this.#flush.presence();
  }

  /** A timer that flushes once the pause is over (one at a time). */
  #arm(): void {
    if (this.#timerSet) return;
    this.#timerSet = true;
    this.#clock.later(
      () => {
        this.#timerSet = false;
        this.#flush.writeNow();
      },
      Math.max(1, Math.ceil(this.#notBefore - this.#clock.now())),
    );
  }

  /** The write flush ended: what it took, with the presence in it, sets the next flush's earliest time. */
  afterFlush(): void {
    if (this.#startedAt === undefined) return;
    const now = this.#clock.now();
    this.#notBefore = now + PAUSE_PER_COST * (now - this.#startedAt);
    this.#startedAt = undefined;
  }
}
