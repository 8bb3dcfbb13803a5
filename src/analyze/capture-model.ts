import { readFieldRows, type FieldRow } from './field-rows.js';
import type { TsharkOptions } from './tshark.js';

/** The fields read from every TCP frame: one tshark pass, `-T json -e ...`. */
export const FRAME_FIELDS = [
  'frame.number', 'frame.time_relative', 'frame.len',
  'eth.src', 'eth.dst', 'eth.type',
  'ip.src', 'ip.dst', 'ip.ttl', 'ip.len', 'ip.hdr_len', 'ip.id', 'ip.proto',
  'ipv6.src', 'ipv6.dst', 'ipv6.hlim', 'ipv6.plen', 'ipv6.nxt',
  'tcp.stream', 'tcp.srcport', 'tcp.dstport', 'tcp.seq', 'tcp.ack', 'tcp.seq_raw', 'tcp.ack_raw',
  'tcp.flags', 'tcp.window_size_value', 'tcp.window_size', 'tcp.hdr_len', 'tcp.len', 'tcp.segment',
  'tcp.analysis.retransmission', 'tcp.analysis.fast_retransmission', 'tcp.analysis.spurious_retransmission', 'tcp.analysis.ack_rtt',
  'chatmsg.direction', 'chatmsg.line', 'chatmsg.line_len',
] as const;

export const TCP_FLAGS = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20 } as const;

export interface Frame {
  number: number;
  /** Seconds since the first frame of the capture. */
  time: number;
  length: number;
  eth?: { src: string; dst: string; type: string };
  /** IPv4, or IPv6 with its hop limit as ttl, 40 + payload length as totalLength and no id. */
  ip: { version: 4 | 6; src: string; dst: string; ttl: number; totalLength: number; headerLength: number; id: string; proto: number };
  tcp: {
    stream: number; srcPort: number; dstPort: number;
    /** Relative sequence/ack numbers (as Wireshark shows them) and the raw ones on the wire. */
    seq: number; ack: number; seqRaw: number; ackRaw: number;
    /** The window field as sent, and the window in bytes once scaled (when the SYNs were seen). */
    flags: number; window: number; scaledWindow: number; headerLength: number; payloadLength: number;
    retransmission: boolean;
    /** Seconds from the segment this frame acknowledges to this ACK (Wireshark's tcp.analysis.ack_rtt). */
    ackRtt?: number;
  };
  pdus: Pdu[];
}

export interface Pdu {
  /** The frame where the PDU's last byte arrived (where Wireshark shows it). */
  frame: number;
  /** Every frame that carried bytes of it (more than one when it was split over segments). */
  carriedIn: number[];
  time: number;
  stream: number;
  src: string;
  dst: string;
  direction: 'request' | 'response';
  /** The line without terminator (bytes that are not UTF-8 shown as \xNN). */
  line: string;
  /** Bytes on the wire including the terminator. */
  bytes: number;
}

type Layers = FieldRow<(typeof FRAME_FIELDS)[number]>;

const first = (layers: Layers, field: (typeof FRAME_FIELDS)[number]): string | undefined => layers[field]?.[0];
const num = (layers: Layers, field: (typeof FRAME_FIELDS)[number]): number => Number(first(layers, field) ?? Number.NaN);

export const endpoint = (address: string, port: number): string =>
  address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;

/** The network layer of a frame: IPv4 or IPv6 (a tunnelled frame: the outermost). */
function ipOf(layers: Layers): Frame['ip'] | undefined {
  if (first(layers, 'ip.src') !== undefined) {
    return {
      version: 4, src: first(layers, 'ip.src')!, dst: first(layers, 'ip.dst')!, ttl: num(layers, 'ip.ttl'),
      totalLength: num(layers, 'ip.len'), headerLength: num(layers, 'ip.hdr_len'),
      id: first(layers, 'ip.id') ?? '', proto: num(layers, 'ip.proto'),
    };
  }
  if (first(layers, 'ipv6.src') !== undefined) {
    return {
      version: 6, src: first(layers, 'ipv6.src')!, dst: first(layers, 'ipv6.dst')!, ttl: num(layers, 'ipv6.hlim'),
      totalLength: 40 + num(layers, 'ipv6.plen'), headerLength: 40, id: '', proto: num(layers, 'ipv6.nxt'),
    };
  }
  return undefined;
}

function toFrame(layers: Layers): Frame | undefined {
  const ip = ipOf(layers);
  if (first(layers, 'tcp.stream') === undefined || ip === undefined) return undefined;
  const number = num(layers, 'frame.number');
  const time = num(layers, 'frame.time_relative');
  const srcPort = num(layers, 'tcp.srcport');
  const dstPort = num(layers, 'tcp.dstport');
  const src = endpoint(ip.src, srcPort);
  const dst = endpoint(ip.dst, dstPort);
  const stream = num(layers, 'tcp.stream');
  const directions = layers['chatmsg.direction'] ?? [];
  const lines = layers['chatmsg.line'] ?? [];
  const lengths = layers['chatmsg.line_len'] ?? [];
  // A PDU reassembled from several segments lists them in tcp.segment; else it came in this frame.
  const segments = (layers['tcp.segment'] ?? []).map(Number);
  const carriedIn = segments.length > 0 ? segments : [number];
  const pdus: Pdu[] = lines.map((line, i) => ({
    frame: number,
    carriedIn: i === 0 ? carriedIn : [number],
    time,
    stream,
    src,
    dst,
    direction: directions[i] === 'response' ? 'response' : 'request',
    line,
    bytes: Number(lengths[i] ?? Buffer.byteLength(line) + 1),
  }));
  const eth = first(layers, 'eth.src') === undefined ? undefined : {
    src: first(layers, 'eth.src')!, dst: first(layers, 'eth.dst')!, type: first(layers, 'eth.type') ?? '',
  };
  const flagged = (field: (typeof FRAME_FIELDS)[number]) => layers[field] !== undefined;
  return {
    number,
    time,
    length: num(layers, 'frame.len'),
    ...(eth ? { eth } : {}),
    ip,
    tcp: {
      stream, srcPort, dstPort,
      seq: num(layers, 'tcp.seq'), ack: num(layers, 'tcp.ack'),
      seqRaw: num(layers, 'tcp.seq_raw'), ackRaw: num(layers, 'tcp.ack_raw'),
      flags: Number.parseInt(first(layers, 'tcp.flags') ?? '0', 16),
      window: num(layers, 'tcp.window_size_value'), scaledWindow: num(layers, 'tcp.window_size'), headerLength: num(layers, 'tcp.hdr_len'),
      payloadLength: num(layers, 'tcp.len'),
      retransmission: flagged('tcp.analysis.retransmission') || flagged('tcp.analysis.fast_retransmission')
        || flagged('tcp.analysis.spurious_retransmission'),
      ...(first(layers, 'tcp.analysis.ack_rtt') === undefined ? {} : { ackRtt: num(layers, 'tcp.analysis.ack_rtt') }),
    },
    pdus,
  };
}

const framesFromRows = (rows: Layers[]): Frame[] => rows.map(toFrame).filter((f): f is Frame => f !== undefined);

/** Reads every IPv4/IPv6 TCP frame of a capture, with the CHAT-MSG PDUs our dissector found. */
export async function readCapture(pcap: string, options: TsharkOptions = {}): Promise<Frame[]> {
  return framesFromRows(await readFieldRows(pcap, FRAME_FIELDS, { ...options, filter: options.filter ?? 'tcp' }));
}

/** Every PDU in time order (frame order is capture order). */
export const pdusOf = (frames: Frame[]): Pdu[] => frames.flatMap((f) => f.pdus);
