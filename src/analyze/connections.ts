import { parseServerLine } from '../protocol/server-pdu.js';
import { endpoint, TCP_FLAGS, type Frame } from './capture-model.js';

/** One TCP connection (tshark's tcp.stream) as the report describes it. */
export interface Connection {
  stream: number;
  client: string;
  server: string;
  /** The client-id the server confirmed (OK LOGIN / OK AUTH / OK REGISTER), if any. */
  clientId?: string;
  /** SYN, SYN-ACK and the client's first ACK, when captured. */
  handshake: number[];
  /** Frames with FIN, in order. */
  fins: number[];
  resets: number[];
  retransmissions: number[];
  firstFrame: number;
  lastFrame: number;
  start: number;
  end: number;
  pdus: number;
  payloadBytes: { fromClient: number; fromServer: number };
}

const has = (frame: Frame, flag: number) => (frame.tcp.flags & flag) !== 0;
const source = (f: Frame) => endpoint(f.ip.src, f.tcp.srcPort);
const destination = (f: Frame) => endpoint(f.ip.dst, f.tcp.dstPort);

/**
 * Who is the client: the SYN sender; without a captured SYN, the sender of a request PDU;
 * else the side that does not use the server port.
 */
function clientEndpoint(frames: Frame[], serverPort: number | undefined): string {
  const syn = frames.find((f) => has(f, TCP_FLAGS.SYN) && !has(f, TCP_FLAGS.ACK));
  if (syn) return source(syn);
  const request = frames.find((f) => f.pdus.some((p) => p.direction === 'request'));
  if (request) return source(request);
  const first = frames[0]!;
  return first.tcp.dstPort === serverPort || serverPort === undefined ? source(first) : destination(first);
}

/** Replies that confirm a login and name the id: `OK LOGIN <id>`, and the secure `OK AUTH/REGISTER <id>`. */
const LOGIN_REPLIES = new Set(['LOGIN', 'AUTH', 'REGISTER']);

/** The client-id the server confirmed on this connection (a refused LOGIN does not count). */
function loginId(frames: Frame[]): string | undefined {
  for (const frame of frames) {
    for (const pdu of frame.pdus) {
      if (pdu.direction !== 'response') continue;
      const reply = parseServerLine(pdu.line);
      if (reply.kind === 'OK' && LOGIN_REPLIES.has(reply.verb) && reply.args[0]) return reply.args[0];
    }
  }
  return undefined;
}

function describe(stream: number, frames: Frame[], serverPort: number | undefined): Connection {
  const client = clientEndpoint(frames, serverPort);
  const fromClient = frames.filter((f) => source(f) === client);
  const fromServer = frames.filter((f) => source(f) !== client);
  const syn = fromClient.find((f) => has(f, TCP_FLAGS.SYN));
  const synAck = fromServer.find((f) => has(f, TCP_FLAGS.SYN) && has(f, TCP_FLAGS.ACK));
  const ack = synAck && fromClient.find((f) => f.number > synAck.number && has(f, TCP_FLAGS.ACK) && !has(f, TCP_FLAGS.SYN));
  const id = loginId(frames);
  const sum = (list: Frame[]) => list.reduce((n, f) => n + (f.tcp.retransmission ? 0 : f.tcp.payloadLength), 0);
  return {
    stream,
    client,
    server: fromClient[0] ? destination(fromClient[0]) : source(frames[0]!),
    ...(id === undefined ? {} : { clientId: id }),
    handshake: [syn, synAck, ack].filter((f): f is Frame => f !== undefined).map((f) => f.number),
    fins: frames.filter((f) => has(f, TCP_FLAGS.FIN)).map((f) => f.number),
    resets: frames.filter((f) => has(f, TCP_FLAGS.RST)).map((f) => f.number),
    retransmissions: frames.filter((f) => f.tcp.retransmission).map((f) => f.number),
    firstFrame: frames[0]!.number,
    lastFrame: frames.at(-1)!.number,
    start: frames[0]!.time,
    end: frames.at(-1)!.time,
    pdus: frames.reduce((n, f) => n + f.pdus.length, 0),
    payloadBytes: { fromClient: sum(fromClient), fromServer: sum(fromServer) },
  };
}

/** The TCP connections of a capture, in order of their first frame. */
export function connectionsOf(frames: Frame[], serverPort?: number): Connection[] {
  const byStream = new Map<number, Frame[]>();
  for (const frame of frames) {
    const list = byStream.get(frame.tcp.stream) ?? [];
    list.push(frame);
    byStream.set(frame.tcp.stream, list);
  }
  return [...byStream.entries()].map(([stream, list]) => describe(stream, list, serverPort));
}
