import { parseRequest, REQUEST_VERBS } from '../protocol/request.js';
import { parseServerLine } from '../protocol/server-pdu.js';
import type { Pdu } from './capture-model.js';

/**
 * The service a PDU belongs to, as the lab report counts them: requests by verb (`MSG ALL` apart
 * from `MSG` to one client), replies by what they answer (`OK LOGIN`, `ERR 404`), deliveries to
 * other clients as `MSG delivery` / `MSG ALL delivery`, a request the codec refuses as `MSG (malformed)`,
 * an unknown verb by its name. Parsing goes through the protocol codec.
 */
export function serviceOf(pdu: Pdu): string {
  if (pdu.direction === 'request') {
    const parsed = parseRequest(Buffer.from(pdu.line, 'utf8'));
    if (parsed.ok) {
      const { request } = parsed;
      return request.verb === 'MSG' && request.target === 'ALL' ? 'MSG ALL' : request.verb;
    }
    const word = pdu.line.split(' ', 1)[0]!.toUpperCase();
    if ((REQUEST_VERBS as readonly string[]).includes(word)) return `${word} (malformed)`;
    return /^[A-Z][A-Z0-9_-]*$/.test(word) ? word : '(malformed)';
  }
  const reply = parseServerLine(pdu.line);
  switch (reply.kind) {
    case 'OK':
      return `OK ${reply.verb}${reply.verb === 'MSG' && reply.args[0] === 'ALL' ? ' ALL' : ''}`;
    case 'ERR':
      return `ERR ${reply.code}`;
    case 'MSG':
      return reply.target === 'ALL' ? 'MSG ALL delivery' : 'MSG delivery';
    case 'UNKNOWN':
      return pdu.line.split(' ', 1)[0]!.toUpperCase() || '(malformed)';
    default:
      return reply.kind;
  }
}

/** The verb and the arguments of a PDU's line, for tables and diagrams. */
export function splitVerb(line: string): { verb: string; args: string } {
  const space = line.indexOf(' ');
  return space === -1 ? { verb: line, args: '' } : { verb: line.slice(0, space), args: line.slice(space + 1) };
}

export interface ServiceUse {
  service: string;
  direction: Pdu['direction'];
  count: number;
  frames: number[];
}

/** Counts per service, in order of first appearance. */
export function countServices(pdus: Pdu[]): ServiceUse[] {
  const byService = new Map<string, ServiceUse>();
  for (const pdu of pdus) {
    const service = serviceOf(pdu);
    let use = byService.get(service);
    if (!use) {
      use = { service, direction: pdu.direction, count: 0, frames: [] };
      byService.set(service, use);
    }
    use.count += 1;
    if (!use.frames.includes(pdu.frame)) use.frames.push(pdu.frame);
  }
  return [...byService.values()];
}
