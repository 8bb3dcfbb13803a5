import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface ServerEndpoint {
  host: string;
  port: number;
}

/**
 * A display filter for the connections of one server endpoint. `tcp port N` in a capture can
 * also hold other connections that merely use the same port number (another address, or an
 * ephemeral client port); this keeps only those that really talk to host:port.
 */
export function serverFilter({ host, port }: ServerEndpoint): string {
  const ip = host.includes(':') ? 'ipv6' : 'ip';
  return `tcp && ((${ip}.src == ${host} && tcp.srcport == ${port}) || (${ip}.dst == ${host} && tcp.dstport == ${port}))`;
}

/** `127.0.0.1:5151` or `[::1]:5151`; undefined when it is not of that form. */
export function parseEndpoint(text: string): ServerEndpoint | undefined {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : 0;
  return match && port >= 1 && port <= 65535 ? { host: match[1]!, port } : undefined;
}

/**
 * The server of a scenario run, from the result.json the scenario runner writes next to its
 * traffic.pcap; undefined when there is none.
 */
export async function serverFromEvidence(pcap: string): Promise<ServerEndpoint | undefined> {
  try {
    const result = JSON.parse(await readFile(join(dirname(pcap), 'result.json'), 'utf8')) as { server?: unknown };
    return typeof result.server === 'string' ? parseEndpoint(result.server) : undefined;
  } catch {
    return undefined;
  }
}
