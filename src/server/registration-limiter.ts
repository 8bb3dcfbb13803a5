import net from 'node:net';

/** The window the per-address registration limit counts in. */
export const REGISTRATION_WINDOW_MS = 60 * 60 * 1000;

/**
 * Registrations per address across all its connections (the rate limit is per connection, so a
 * flood opens many): a token bucket per address holding `perHour` tokens, refilled evenly over
 * the hour. IPv6 addresses count per /64, what one host or home network usually gets.
 *
 * Memory: a bucket exists only for an address that completed a registration, so there are at
 * most as many as registrations in the last hour (and those are capped by --max-registered);
 * full buckets are the same as absent ones and are dropped as the map grows.
 */
export class RegistrationLimiter {
  readonly #perHour: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  /** Map size at which full buckets are swept out; doubles while they are all in use. */
  #sweepAt = 1024;

  constructor(perHour: number, now: () => number = Date.now) {
    if (!Number.isInteger(perHour) || perHour < 1) throw new RangeError(`registrations per hour must be a positive integer, not ${perHour}`);
    this.#perHour = perHour;
    this.#now = now;
  }

  /** True when `peer` (`address:port`) may register one more id now. */
  allows(peer: string): boolean {
    return this.#tokens(addressGroup(peer)) >= 1;
  }

  /** Counts one registration of `peer`; false (and nothing counted) when its address has none left. */
  take(peer: string): boolean {
    const group = addressGroup(peer);
    const tokens = this.#tokens(group);
    if (tokens < 1) return false;
    this.#buckets.set(group, { tokens: tokens - 1, at: this.#now() });
    if (this.#buckets.size >= this.#sweepAt) this.#sweep();
    return true;
  }

  /** Addresses with a bucket that is not full (for tests and the log). */
  get tracked(): number {
    return this.#buckets.size;
  }

  #tokens(group: string): number {
    const bucket = this.#buckets.get(group);
    if (bucket === undefined) return this.#perHour;
    const refill = ((this.#now() - bucket.at) / REGISTRATION_WINDOW_MS) * this.#perHour;
    return Math.min(this.#perHour, bucket.tokens + refill);
  }

  #sweep(): void {
    for (const group of this.#buckets.keys()) {
      if (this.#tokens(group) >= this.#perHour) this.#buckets.delete(group);
    }
    this.#sweepAt = Math.max(1024, 2 * this.#buckets.size);
  }
}

/**
 * The address part of `address:port` or `[v6]:port` as the limit counts it: an IPv4 address
 * (also when IPv4-mapped), or the first 64 bits of an IPv6 address.
 */
export function addressGroup(peer: string): string {
  const address = peer.startsWith('[') ? peer.slice(1, peer.indexOf(']')) : peer.slice(0, peer.lastIndexOf(':'));
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!net.isIPv6(address)) return address;
  return `${expandIpv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, lower-case hex without leading zeros. */
function expandIpv6(address: string): string[] {
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((group) => (group.includes('.') ? group : Number.parseInt(group, 16).toString(16)));
}
