/** Seconds from some fixed origin; injected so tests need no clock. */
export type Clock = () => number;

export const monotonicSeconds: Clock = () => performance.now() / 1000;

/**
 * A token bucket: `rate` tokens per second flow in up to `burst`; each request takes one.
 * A client may send `burst` requests at once, then `rate` per second on average.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: Clock;
  #tokens: number;
  #last: number;

  constructor(rate: number, burst: number, now: Clock = monotonicSeconds) {
    if (!(rate > 0) || !(burst >= 1)) throw new RangeError(`rate must be > 0 and burst >= 1, got ${rate}/${burst}`);
    this.#rate = rate;
    this.#burst = burst;
    this.#now = now;
    this.#tokens = burst;
    this.#last = now();
  }

  /** Takes one token; false when the bucket is empty (the request is to be dropped). */
  take(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#rate);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
