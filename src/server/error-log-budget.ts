/**
 * How many error lines of one session the log takes: a burst of ERROR_LOG_BURST, then one a
 * minute. Beyond that errors are counted, and the count is logged as one summary line: before
 * the next error that is logged again, at 100, 1000, 10000 ... suppressed, and when the session
 * ends. A peer sending nothing but bad lines (the issue measured 147 MB of log for 700 MB of
 * them with --rate-limit 0) then costs the log a few lines per connection, not one per line,
 * while a typo now and then is always logged in full.
 */
export const ERROR_LOG_BURST = 10;
export const ERROR_LOG_REFILL_MS = 60_000;

export type ErrorLogVerdict = { log: true; suppressedBefore: number } | { log: false; summary: number | undefined };

export class ErrorLogBudget {
  #tokens = ERROR_LOG_BURST;
  #at: number;
  /** Errors not logged since the last summary. */
  #unreported = 0;
  /** Errors not logged since the last one that was. */
  #suppressed = 0;

  constructor(now: number) {
    this.#at = now;
  }

  /**
   * One more error at `now`: log it (after a summary of `suppressedBefore` if that is not 0),
   * or count it (and log `summary` suppressed errors when the count reaches a power of ten).
   */
  admit(now: number): ErrorLogVerdict {
    this.#tokens = Math.min(ERROR_LOG_BURST, this.#tokens + (now - this.#at) / ERROR_LOG_REFILL_MS);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      const suppressedBefore = this.#unreported;
      this.#unreported = 0;
      this.#suppressed = 0;
      return { log: true, suppressedBefore };
    }
    this.#unreported++;
    this.#suppressed++;
    if (this.#suppressed >= 100 && isPowerOfTen(this.#suppressed)) return { log: false, summary: this.#take() };
    return { log: false, summary: undefined };
  }

  /** Suppressed errors not yet reported (the session ends: report them). */
  flush(): number {
    return this.#take();
  }

  #take(): number {
    const count = this.#unreported;
    this.#unreported = 0;
    return count;
  }
}

function isPowerOfTen(n: number): boolean {
  let v = n;
  while (v % 10 === 0) v /= 10;
  return v === 1;
}
