/**
 * A latency histogram in microseconds with logarithmic buckets (about 2 % wide), so percentiles
 * cost O(buckets) and a histogram crosses a worker boundary as one small array.
 */

/** Bucket growth factor: the relative error of a reported percentile is below GROWTH - 1. */
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
/** Buckets up to GROWTH^BUCKETS µs = about 100 s; anything slower lands in the last one. */
const BUCKETS = 930;

export interface HistogramSnapshot {
  counts: number[];
  max: number;
}

export class Histogram {
  #counts = new Float64Array(BUCKETS);
  #max = 0;
  #total = 0;

  record(micros: number): void {
    const value = micros < 1 ? 1 : micros;
    const index = Math.min(BUCKETS - 1, Math.floor(Math.log(value) / LOG_GROWTH));
    this.#counts[index]!++;
    this.#total++;
    if (value > this.#max) this.#max = value;
  }

  get count(): number {
    return this.#total;
  }

  get max(): number {
    return this.#max;
  }

  /** The value below which `fraction` of the samples lie (upper edge of its bucket), 0 when empty. */
  percentile(fraction: number): number {
    if (this.#total === 0) return 0;
    const wanted = Math.max(1, Math.ceil(this.#total * fraction));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= wanted) return Math.min(this.#max, GROWTH ** (i + 1));
    }
    return this.#max;
  }

  snapshot(): HistogramSnapshot {
    return { counts: Array.from(this.#counts), max: this.#max };
  }

  add(snapshot: HistogramSnapshot): void {
    snapshot.counts.forEach((count, i) => {
      this.#counts[i]! += count;
      this.#total += count;
    });
    if (snapshot.max > this.#max) this.#max = snapshot.max;
  }

  reset(): void {
    this.#counts.fill(0);
    this.#max = 0;
    this.#total = 0;
  }
}
