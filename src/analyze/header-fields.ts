import { TCP_FLAGS, type Frame } from './capture-model.js';

/** One header field of one layer, with the bytes of the frame it occupies (0-based, inclusive). */
export interface HeaderField {
  layer: 'Ethernet' | 'IPv4' | 'IPv6' | 'TCP' | 'CHAT-MSG';
  field: string;
  value: string;
  bytes: [number, number];
}

const ETHERNET_HEADER = 14;

export function flagNames(flags: number): string {
  const names = Object.entries(TCP_FLAGS).filter(([, bit]) => (flags & bit) !== 0).map(([name]) => name);
  return names.length > 0 ? names.join(', ') : 'none';
}

/** The window field as sent, and in bytes when a window scale from the SYNs applies. */
function windowText(window: number, scaled: number): string {
  return Number.isFinite(scaled) && scaled !== window ? `${window} (scaled: ${scaled} bytes)` : String(window);
}

/**
 * The header fields of each layer of a frame with their byte ranges, laid out as RFC 791 (or RFC 8200)
 * and RFC 9293 fix them; the link header is Ethernet (14 bytes) when present, else whatever the
 * capture's link type put before the IPv4 header.
 */
export function headerFields(frame: Frame): HeaderField[] {
  const { ip, tcp } = frame;
  const link = frame.eth ? ETHERNET_HEADER : frame.length - ip.totalLength;
  const t = link + ip.headerLength;
  const payload = t + tcp.headerLength;
  const rows: HeaderField[] = [];
  if (frame.eth) {
    rows.push(
      { layer: 'Ethernet', field: 'destination MAC', value: frame.eth.dst, bytes: [0, 5] },
      { layer: 'Ethernet', field: 'source MAC', value: frame.eth.src, bytes: [6, 11] },
      { layer: 'Ethernet', field: 'EtherType', value: `${frame.eth.type} (IPv${ip.version})`, bytes: [12, 13] },
    );
  }
  rows.push(...(ip.version === 6 ? ipv6Fields(frame, link) : ipv4Fields(frame, link)));
  rows.push(
    { layer: 'TCP', field: 'source port', value: String(tcp.srcPort), bytes: [t, t + 1] },
    { layer: 'TCP', field: 'destination port', value: String(tcp.dstPort), bytes: [t + 2, t + 3] },
    { layer: 'TCP', field: 'sequence number', value: `${tcp.seqRaw} (relative ${tcp.seq})`, bytes: [t + 4, t + 7] },
    { layer: 'TCP', field: 'acknowledgment number', value: `${tcp.ackRaw} (relative ${tcp.ack})`, bytes: [t + 8, t + 11] },
    { layer: 'TCP', field: 'header length, flags', value: `${tcp.headerLength} bytes, ${flagNames(tcp.flags)}`, bytes: [t + 12, t + 13] },
    { layer: 'TCP', field: 'window', value: windowText(tcp.window, tcp.scaledWindow), bytes: [t + 14, t + 15] },
  );
  if (tcp.headerLength > 20) {
    rows.push({ layer: 'TCP', field: 'options', value: `${tcp.headerLength - 20} bytes`, bytes: [t + 20, payload - 1] });
  }
  if (tcp.payloadLength > 0) {
    rows.push({
      layer: 'CHAT-MSG',
      field: 'TCP payload',
      value: `${tcp.payloadLength} bytes`,
      bytes: [payload, payload + tcp.payloadLength - 1],
    });
    rows.push(...pduFields(frame, payload));
  }
  return rows;
}

function ipv4Fields({ ip }: Frame, link: number): HeaderField[] {
  return [
    { layer: 'IPv4', field: 'version, header length', value: `4, ${ip.headerLength} bytes`, bytes: [link, link] },
    { layer: 'IPv4', field: 'total length', value: `${ip.totalLength} bytes`, bytes: [link + 2, link + 3] },
    { layer: 'IPv4', field: 'identification', value: ip.id, bytes: [link + 4, link + 5] },
    { layer: 'IPv4', field: 'TTL', value: String(ip.ttl), bytes: [link + 8, link + 8] },
    { layer: 'IPv4', field: 'protocol', value: `${ip.proto} (TCP)`, bytes: [link + 9, link + 9] },
    { layer: 'IPv4', field: 'source address', value: ip.src, bytes: [link + 12, link + 15] },
    { layer: 'IPv4', field: 'destination address', value: ip.dst, bytes: [link + 16, link + 19] },
  ];
}

/** RFC 8200's fixed 40-byte header (extension headers, rare on a chat connection, are not split out). */
function ipv6Fields({ ip }: Frame, link: number): HeaderField[] {
  return [
    { layer: 'IPv6', field: 'version, traffic class, flow label', value: '6', bytes: [link, link + 3] },
    { layer: 'IPv6', field: 'payload length', value: `${ip.totalLength - 40} bytes`, bytes: [link + 4, link + 5] },
    { layer: 'IPv6', field: 'next header', value: `${ip.proto} (TCP)`, bytes: [link + 6, link + 6] },
    { layer: 'IPv6', field: 'hop limit', value: String(ip.ttl), bytes: [link + 7, link + 7] },
    { layer: 'IPv6', field: 'source address', value: ip.src, bytes: [link + 8, link + 23] },
    { layer: 'IPv6', field: 'destination address', value: ip.dst, bytes: [link + 24, link + 39] },
  ];
}

/**
 * The parts of each PDU (verb, arguments, terminator) when the payload is exactly this frame's
 * whole PDUs; a PDU reassembled from earlier segments has only its tail here, so it is not split.
 */
function pduFields(frame: Frame, payloadStart: number): HeaderField[] {
  const sizes = frame.pdus.map((p) => Buffer.byteLength(p.line, 'utf8'));
  const whole = frame.pdus.every((p, i) => p.carriedIn.length === 1 && p.bytes - sizes[i]! >= 1 && p.bytes - sizes[i]! <= 2);
  if (!whole || frame.pdus.reduce((n, p) => n + p.bytes, 0) !== frame.tcp.payloadLength) return [];
  const rows: HeaderField[] = [];
  let at = payloadStart;
  frame.pdus.forEach((pdu, i) => {
    const label = frame.pdus.length > 1 ? `PDU ${i + 1} ` : '';
    const space = pdu.line.indexOf(' ');
    const verb = space === -1 ? pdu.line : pdu.line.slice(0, space);
    const verbBytes = Buffer.byteLength(verb, 'utf8');
    rows.push({ layer: 'CHAT-MSG', field: `${label}verb`, value: verb, bytes: [at, at + verbBytes - 1] });
    if (space !== -1) {
      const args = pdu.line.slice(space + 1);
      const start = at + verbBytes + 1;
      rows.push({ layer: 'CHAT-MSG', field: `${label}arguments`, value: args, bytes: [start, start + sizes[i]! - verbBytes - 2] });
    }
    const terminator = pdu.bytes - sizes[i]!;
    const end = at + pdu.bytes - 1;
    rows.push({ layer: 'CHAT-MSG', field: `${label}terminator`, value: terminator === 2 ? 'CR LF' : 'LF', bytes: [end - terminator + 1, end] });
    at += pdu.bytes;
  });
  return rows;
}
