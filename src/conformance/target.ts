import { OptionError } from '../cli/options.js';
import type { Target } from './types.js';

/**
 * Parses `host:port` (`[v6-address]:port` for IPv6). The port must be 1-65535. Throws an
 * OptionError with a one-line message otherwise.
 */
export function parseTarget(value: string): Target {
  const match = /^(?:\[([^\]]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || !(port >= 1 && port <= 65535)) {
    throw new OptionError(`bad target ${JSON.stringify(value)}: expected <host>:<port>, e.g. 127.0.0.1:5151`);
  }
  return { host: match[1] ?? match[2]!, port };
}
