/** Skipped counters remembered to tell a late message from a replay; beyond this, late ones count as replays. */
const MAX_SKIPPED = 1000;

export type WindowRefusal = { kind: 'replayed' | 'out-of-order'; detail: string };

/**
 * The receive state of one session key: the highest counter accepted and the counters skipped
 * below it. Only counters above the highest are accepted, so each message is accepted once;
 * the skipped set only names a late arrival ("out-of-order") apart from a replay.
 */
export class ReplayWindow {
  #highest = 0;
  readonly #skipped = new Set<number>();

  /** Why `counter` must be refused before any decryption, or undefined. */
  refusal(counter: number): WindowRefusal | undefined {
    if (counter > this.#highest) return undefined;
    return { kind: this.#skipped.has(counter) ? 'out-of-order' : 'replayed', detail: `counter ${counter}, already at ${this.#highest}` };
  }

  /** Records an authenticated `counter` (above the highest); returns how many were skipped just before it. */
  accept(counter: number): number {
    const last = this.#highest;
    if (counter <= last) throw new RangeError(`counter ${counter} is not above ${last}`);
    for (let skipped = last + 1; skipped < counter && this.#skipped.size < MAX_SKIPPED; skipped++) this.#skipped.add(skipped);
    this.#highest = counter;
    return counter - last - 1;
  }
}
