import { readFile, writeFile } from 'node:fs/promises';

const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;

/** The records of a classic little-endian pcap file (what tcpdump -w writes on Linux). */
async function records(file: string): Promise<{ header: Buffer; records: Buffer[] }> {
  const bytes = await readFile(file);
  if (bytes.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${file}: not a little-endian microsecond pcap`);
  const list: Buffer[] = [];
  for (let at = GLOBAL_HEADER; at < bytes.length; ) {
    const length = RECORD_HEADER + bytes.readUInt32LE(at + 8);
    list.push(bytes.subarray(at, at + length));
    at += length;
  }
  return { header: bytes.subarray(0, GLOBAL_HEADER), records: list };
}

/** The bytes of frame `frame` (1-based) as captured, without the pcap record header. */
export async function frameBytes(file: string, frame: number): Promise<Buffer> {
  const record = (await records(file)).records[frame - 1]!;
  return record.subarray(RECORD_HEADER);
}

/**
 * Writes a copy of a capture in which frame `frame` (1-based) is sent again right after frame
 * `after`, 1 µs later: on the wire that is exactly what a TCP retransmission of the segment looks like.
 */
export async function withRetransmission(source: string, target: string, frame: number, after: number): Promise<void> {
  const { header, records: list } = await records(source);
  const copy = Buffer.from(list[frame - 1]!);
  const previous = list[after - 1]!;
  copy.writeUInt32LE(previous.readUInt32LE(0), 0);
  copy.writeUInt32LE(previous.readUInt32LE(4) + 1, 4);
  list.splice(after, 0, copy);
  await writeFile(target, Buffer.concat([header, ...list]));
}

/**
 * Writes a copy of a capture with frames `a` and `b` (1-based) recorded in each other's place,
 * timestamps left in order: what a capture on a busy multi-core machine can show.
 */
export async function withSwappedFrames(source: string, target: string, a: number, b: number): Promise<void> {
  const { header, records: list } = await records(source);
  const first = Buffer.from(list[a - 1]!);
  const second = Buffer.from(list[b - 1]!);
  first.copy(second, 0, 0, 8);
  Buffer.from(list[b - 1]!).copy(first, 0, 0, 8);
  list[a - 1] = second;
  list[b - 1] = first;
  await writeFile(target, Buffer.concat([header, ...list]));
}
