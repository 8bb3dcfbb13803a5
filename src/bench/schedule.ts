/** What one sender writes in one tick of the open loop. */
export interface DueBatch {
  sender: number;
  count: number;
  /** When the batch's first message was due (the stamp it carries), in nowMicros() time. */
  dueMicros: number;
}

/**
 * The open loop's schedule: message n of a phase (from 0) is due (n + 1) / rate seconds after
 * the phase started, so floor(rate * elapsed seconds) messages are due at any time, and goes to
 * sender n % senders. Messages from..to-1 have come due since the last tick: one batch per
 * sender that has any, stamped with its first message's due time, so a tick that comes late
 * counts as latency (as it would for a client that sent on time).
 */
export function dueBatches(from: number, to: number, senders: number, startMicros: number, rate: number): DueBatch[] {
  const batches: DueBatch[] = [];
  for (let n = from; n < Math.min(to, from + senders); n++) {
    batches.push({
      sender: n % senders,
      count: Math.floor((to - 1 - n) / senders) + 1,
      dueMicros: startMicros + Math.floor(((n + 1) * 1e6) / rate),
    });
  }
  return batches;
}
