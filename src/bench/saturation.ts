/**
 * Which side of a phase was the limit: the server (its event-loop thread near a full core) or
 * the load generator (one of its threads with no idle time left). A throughput ratio between
 * servers means something only where the server was the limit on both sides; anywhere else it
 * measures the generator, or the machine both share.
 */

/** Busy share (of one core, or of a thread's wall time) from which a side counts as saturated. */
export const SATURATED = 0.9;

/** What a phase was limited by; 'neither' = no side saturated (the rate was held, or the machine was shared). */
export type Bottleneck = 'server' | 'generator' | 'both' | 'neither';

export interface Saturation {
  /** CPU of the server's main thread over the phase (1 = one core); undefined for --server. */
  serverThread: number | undefined;
  /** Event-loop utilization of the busiest sender thread of the generator, 0..1. */
  senders: number;
  /** Event-loop utilization of the busiest receiver thread, 0..1. */
  receivers: number;
}

export function bottleneckOf(saturation: Saturation): Bottleneck {
  const server = saturation.serverThread !== undefined && saturation.serverThread >= SATURATED;
  const generator = Math.max(saturation.senders, saturation.receivers) >= SATURATED;
  if (server) return generator ? 'both' : 'server';
  return generator ? 'generator' : 'neither';
}

/** A ratio of two figures is claimed only when both were limited by their server alone. */
export function ratioClaimed(ours: Bottleneck, theirs: Bottleneck): boolean {
  return ours === 'server' && theirs === 'server';
}
