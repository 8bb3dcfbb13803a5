/**
 * Captures built byte by byte, for tests of link types no machine here captures on (802.11 with
 * radiotap, Linux cooked) and of IPv6: a TCP conversation laid out exactly as RFC 9293, RFC 791,
 * RFC 8200, IEEE 802.11 and the pcap/pcapng formats define it. Checksums are left zero
 * (Wireshark does not check them by default).
 */

/** Link-layer header types (tcpdump.org/linktypes). */
export const LINKTYPE = { ETHERNET: 1, IEEE802_11: 105, LINUX_SLL: 113, RADIOTAP: 127 } as const;

const TCP_FLAG = { FIN: 0x01, SYN: 0x02, PSH: 0x08, ACK: 0x10 } as const;

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const groups = (text: string) => (text === '' ? [] : text.split(':'));
  const h = groups(head);
  const t = groups(tail);
  const all = [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(Number.parseInt(g, 16), i * 2));
  return out;
}

function tcpHeader(sport: number, dport: number, seq: number, ack: number, flags: number): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt32BE(seq >>> 0, 4);
  h.writeUInt32BE(ack >>> 0, 8);
  h.writeUInt8(5 << 4, 12);
  h.writeUInt8(flags, 13);
  h.writeUInt16BE(65535, 14);
  return h;
}

function ipPacket(src: string, dst: string, segment: Buffer): Buffer {
  if (src.includes(':')) {
    const h = Buffer.alloc(40);
    h.writeUInt32BE(0x60000000, 0);
    h.writeUInt16BE(segment.length, 4);
    h.writeUInt8(6, 6);
    h.writeUInt8(64, 7);
    ipv6Bytes(src).copy(h, 8);
    ipv6Bytes(dst).copy(h, 24);
    return Buffer.concat([h, segment]);
  }
  const h = Buffer.alloc(20);
  h.writeUInt8(0x45, 0);
  h.writeUInt16BE(20 + segment.length, 2);
  h.writeUInt16BE(0x4000, 6);
  h.writeUInt8(64, 8);
  h.writeUInt8(6, 9);
  ipv4Bytes(src).copy(h, 12);
  ipv4Bytes(dst).copy(h, 16);
  return Buffer.concat([h, segment]);
}

const etherType = (ip: Buffer) => ((ip[0]! >> 4) === 6 ? 0x86dd : 0x0800);
const mac = (last: number) => Buffer.from([0x02, 0x42, 0xac, 0x1c, 0x00, last]);

/** Wraps an IP packet in the link layer of a link type; `fromClient` picks the MAC direction. */
export function linkFrame(linktype: number, ip: Buffer, fromClient: boolean): Buffer {
  const [src, dst] = fromClient ? [mac(0x0b), mac(0x0a)] : [mac(0x0a), mac(0x0b)];
  switch (linktype) {
    case LINKTYPE.ETHERNET: {
      const type = Buffer.alloc(2);
      type.writeUInt16BE(etherType(ip));
      return Buffer.concat([dst, src, type, ip]);
    }
    case LINKTYPE.LINUX_SLL: {
      // RFC-less but documented: packet type, ARPHRD type, address length, 8 address bytes, protocol.
      const h = Buffer.alloc(16);
      h.writeUInt16BE(fromClient ? 4 : 0, 0);
      h.writeUInt16BE(1, 2);
      h.writeUInt16BE(6, 4);
      src.copy(h, 6);
      h.writeUInt16BE(etherType(ip), 14);
      return Buffer.concat([h, ip]);
    }
    case LINKTYPE.IEEE802_11:
    case LINKTYPE.RADIOTAP: {
      // A data frame to the access point (To DS from the client, From DS towards it), then LLC/SNAP.
      const wlan = Buffer.alloc(24);
      wlan.writeUInt16BE(fromClient ? 0x0801 : 0x0802, 0);
      const bssid = mac(0x01);
      if (fromClient) {
        bssid.copy(wlan, 4);
        src.copy(wlan, 10);
        dst.copy(wlan, 16);
      } else {
        dst.copy(wlan, 4);
        bssid.copy(wlan, 10);
        src.copy(wlan, 16);
      }
      const snap = Buffer.from([0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0, 0]);
      snap.writeUInt16BE(etherType(ip), 6);
      const frame = Buffer.concat([wlan, snap, ip]);
      if (linktype === LINKTYPE.IEEE802_11) return frame;
      // The smallest radiotap header: version 0, length 8, no fields present.
      const radiotap = Buffer.from([0, 0, 8, 0, 0, 0, 0, 0]);
      return Buffer.concat([radiotap, frame]);
    }
    default:
      throw new Error(`no builder for link type ${linktype}`);
  }
}

export interface Conversation {
  client: string;
  server: string;
  clientPort: number;
  serverPort: number;
  /** Lines in order: `>` from the client, `<` from the server (terminator added). */
  lines: string[];
}

/** The IP packets of a whole TCP connection: handshake, one segment per line, FIN from the client. */
export function conversationPackets(c: Conversation): { ip: Buffer; fromClient: boolean }[] {
  let clientSeq = 1000;
  let serverSeq = 5000;
  const out: { ip: Buffer; fromClient: boolean }[] = [];
  const send = (fromClient: boolean, flags: number, payload = Buffer.alloc(0)) => {
    const [sport, dport, src, dst] = fromClient ? [c.clientPort, c.serverPort, c.client, c.server] : [c.serverPort, c.clientPort, c.server, c.client];
    const seq = fromClient ? clientSeq : serverSeq;
    const ack = fromClient ? serverSeq : clientSeq;
    out.push({ ip: ipPacket(src, dst, Buffer.concat([tcpHeader(sport, dport, seq, flags & TCP_FLAG.ACK ? ack : 0, flags), payload])), fromClient });
    const advance = payload.length + (flags & (TCP_FLAG.SYN | TCP_FLAG.FIN) ? 1 : 0);
    if (fromClient) clientSeq += advance;
    else serverSeq += advance;
  };
  send(true, TCP_FLAG.SYN);
  send(false, TCP_FLAG.SYN | TCP_FLAG.ACK);
  send(true, TCP_FLAG.ACK);
  for (const line of c.lines) send(line.startsWith('>'), TCP_FLAG.PSH | TCP_FLAG.ACK, Buffer.from(`${line.slice(1)}\n`, 'utf8'));
  send(true, TCP_FLAG.FIN | TCP_FLAG.ACK);
  send(false, TCP_FLAG.FIN | TCP_FLAG.ACK);
  send(true, TCP_FLAG.ACK);
  return out;
}

/** A classic pcap file (microsecond timestamps, little-endian), frames 10 ms apart. */
export function pcapFile(linktype: number, frames: Buffer[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(linktype, 20);
  const records = frames.map((frame, i) => {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(1_795_000_000, 0);
    r.writeUInt32LE(i * 10_000, 4);
    r.writeUInt32LE(frame.length, 8);
    r.writeUInt32LE(frame.length, 12);
    return Buffer.concat([r, frame]);
  });
  return Buffer.concat([header, ...records]);
}

function pcapngBlock(type: number, body: Buffer): Buffer {
  const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
  const block = Buffer.alloc(12 + padded.length);
  block.writeUInt32LE(type, 0);
  block.writeUInt32LE(block.length, 4);
  padded.copy(block, 8);
  block.writeUInt32LE(block.length, block.length - 4);
  return block;
}

/** A pcapng file: section header, one interface, one enhanced packet block per frame. */
export function pcapngFile(linktype: number, frames: Buffer[]): Buffer {
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeBigInt64LE(-1n, 8);
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(linktype, 0);
  idb.writeUInt32LE(262144, 4);
  const epbs = frames.map((frame, i) => {
    const head = Buffer.alloc(20);
    const micros = 1_795_000_000_000_000n + BigInt(i) * 10_000n;
    head.writeUInt32LE(Number(micros >> 32n), 4);
    head.writeUInt32LE(Number(micros & 0xffffffffn), 8);
    head.writeUInt32LE(frame.length, 12);
    head.writeUInt32LE(frame.length, 16);
    return pcapngBlock(6, Buffer.concat([head, frame]));
  });
  return Buffer.concat([pcapngBlock(0x0a0d0d0a, shb), pcapngBlock(1, idb), ...epbs]);
}

/** A whole capture of one conversation on a link type, as pcap or pcapng. */
export function conversationCapture(linktype: number, conversation: Conversation, format: 'pcap' | 'pcapng' = 'pcap'): Buffer {
  const frames = conversationPackets(conversation).map(({ ip, fromClient }) => linkFrame(linktype, ip, fromClient));
  return format === 'pcap' ? pcapFile(linktype, frames) : pcapngFile(linktype, frames);
}
