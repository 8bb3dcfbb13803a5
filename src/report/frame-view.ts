import { runTshark, type TsharkOptions } from '../analyze/tshark.js';

/** One field of a layer as Wireshark shows it, with the bytes of the frame it occupies. */
export interface LayerField {
  name: string;
  value: string;
  /** 0 = a field of the layer itself, 1 = a sub-field (a flag bit, an option's part). */
  depth: number;
  /** Byte offset in the frame and length; absent for values Wireshark computes (stream index, RTT). */
  offset?: number;
  length?: number;
}

export interface FrameLayer {
  /** tshark's protocol name (`eth`, `ip`, `ipv6`, `tcp`, `chatmsg`, `sll`, `radiotap`, `wlan` ...). */
  protocol: string;
  title: string;
  offset: number;
  length: number;
  fields: LayerField[];
}

/** One frame as Wireshark's packet tree and bytes pane show it. */
export interface FrameView {
  number: number;
  /** `eth:ethertype:ip:tcp:chatmsg`, as tshark's frame.protocols. */
  protocols: string;
  bytes: Buffer;
  layers: FrameLayer[];
}

const LAYER_TITLES: Record<string, string> = {
  eth: 'Ethernet II',
  sll: 'Linux cooked capture',
  radiotap: 'Radiotap header',
  wlan: 'IEEE 802.11',
  llc: 'Logical-Link Control',
  ip: 'IPv4',
  ipv6: 'IPv6',
  tcp: 'TCP',
  tls: 'TLS',
  chatmsg: 'CHAT-MSG',
};

/** Sub-fields that repeat a field already shown (resolved names, OUI parts, the any-direction aliases). */
const NOISE = /(_resolved$|\.oui|\.lg$|\.ig$|^eth\.addr|^ip\.addr|^ip\.host|_host$|^ipv6\.addr|^ipv6\.host|^tcp\.port$|\.str$|^tcp\.payload$|checksum\.status|^tcp\.segment_data$)/;

type Raw = [string, number, number, number, number];
type Node = Record<string, unknown>;

const isRaw = (value: unknown): value is Raw => Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'number';

/** The fields of one layer object, in tshark's order, with their positions where tshark gives them. */
function fieldsOf(node: Node, depth: number, out: LayerField[]): void {
  for (const [key, value] of Object.entries(node)) {
    // `x_raw` holds x's position ([hex, offset, length, ...]); tcp.seq_raw is a field of its own (a string).
    if (key.endsWith('_raw') && (isRaw(value) || (Array.isArray(value) && value.every(isRaw)))) continue;
    if (key.endsWith('_tree')) {
      if (depth === 0) for (const child of [value].flat()) if (child && typeof child === 'object') fieldsOf(child as Node, depth + 1, out);
      continue;
    }
    if (NOISE.test(key)) continue;
    const raw = node[`${key}_raw`];
    const values = [value].flat();
    const raws: unknown[] = isRaw(raw) ? [raw] : Array.isArray(raw) ? raw : [];
    values.forEach((v, i) => {
      if (typeof v !== 'string') {
        if (v && typeof v === 'object' && depth === 0) fieldsOf(v as Node, depth + 1, out);
        return;
      }
      const position = raws[i];
      // Below a field, only what is on the wire (flag bits, option parts); Wireshark's own analysis stays out.
      if (depth > 0 && !isRaw(position)) return;
      out.push({ name: key, value: v, depth, ...(isRaw(position) ? { offset: position[1], length: position[2] } : {}) });
    });
  }
}

/** Builds the view from `tshark -T json -x --no-duplicate-keys` output of exactly one frame. */
export function frameViewFromTsharkJson(json: string): FrameView {
  const packets = JSON.parse(json === '' ? '[]' : json) as { _source: { layers: Node } }[];
  const layers = packets[0]?._source.layers;
  if (layers === undefined) throw new Error('tshark returned no frame');
  const frame = layers['frame'] as Node;
  const frameRaw = layers['frame_raw'];
  const bytes = Buffer.from(isRaw(frameRaw) ? frameRaw[0] : '', 'hex');
  const view: FrameView = { number: Number(frame['frame.number']), protocols: String(frame['frame.protocols'] ?? ''), bytes, layers: [] };
  for (const [protocol, value] of Object.entries(layers)) {
    if (protocol === 'frame' || protocol.endsWith('_raw') || protocol.startsWith('_ws')) continue;
    // A protocol that appears twice (several CHAT-MSG PDUs in one frame) comes as an array.
    const raws = [layers[`${protocol}_raw`]].flat(1);
    [value].flat().forEach((node, i) => {
      const raw = isRaw(raws) ? raws : raws[i];
      if (!isRaw(raw) || node === null || typeof node !== 'object') return;
      const fields: LayerField[] = [];
      fieldsOf(node as Node, 0, fields);
      view.layers.push({ protocol, title: LAYER_TITLES[protocol] ?? protocol, offset: raw[1], length: raw[2], fields });
    });
  }
  return view;
}

/** Reads one frame of a capture, dissected with our dissector, every field with its bytes. */
export async function readFrameView(pcap: string, frameNumber: number, options: TsharkOptions = {}): Promise<FrameView> {
  const json = await runTshark(pcap, ['-T', 'json', '-x', '--no-duplicate-keys'], { ...options, filter: `frame.number == ${frameNumber}` });
  return frameViewFromTsharkJson(json);
}
