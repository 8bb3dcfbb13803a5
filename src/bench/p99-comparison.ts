import { ms, rate } from './markdown.js';
import type { PhaseResult } from './phase.js';

/** Where one ladder's p99 was above a peer's: the rates compared, and each one lost. */
export interface P99Gaps {
  /** The peer's held rates in range: the rates compared. */
  held: PhaseResult[];
  /** One text per compared rate where the subject's p99 was higher, or where it did not run. */
  worse: string[];
}

/** p99 of `ladder` against `peerLadder` at every offered rate the peer held (up to `upTo`). */
export function p99Gaps(ladder: readonly PhaseResult[], peerLadder: readonly PhaseResult[], upTo?: number): P99Gaps {
  const held = peerLadder.filter((step) => step.held && (upTo === undefined || Number(step.offered) <= upTo));
  const worse = held.flatMap((step) => {
    const mine = ladder.find((o) => o.offered === step.offered);
    if (mine !== undefined && mine.p99Ms <= step.p99Ms) return [];
    const at = rate(step.offeredDeliveries ?? Number(step.offered));
    // How far behind, so a gap of one histogram bucket is told from one of ten milliseconds.
    return [mine === undefined ? `${at}: not run` : `${at}: ${ms(mine.p99Ms)} vs ${ms(step.p99Ms)} ms`];
  });
  return { held, worse };
}
