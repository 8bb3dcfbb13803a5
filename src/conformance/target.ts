import type { Target } from './types.js';

/**
 * Parses `host:port` (`[v6-address]:port` for IPv6). The port must be 1-65535; anything else is
 * undefined (the CLI says what it expected).
 */
export function parseTarget(value: string): Target | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || !(port >= 1 && port <= 65535)) return undefined;
  return { host: match[1] ?? match[2]!, port };
}
