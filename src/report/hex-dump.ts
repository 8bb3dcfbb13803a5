import type { FrameView } from './frame-view.js';
import { escapeXml } from './markup.js';

/** Layer colours of the hex dump and the layer tables (one per protocol, as a legend shows them). */
export const LAYER_COLOURS: Record<string, string> = {
  eth: '#f3e6b3',
  sll: '#f3e6b3',
  radiotap: '#e5d4f0',
  wlan: '#f3e6b3',
  llc: '#f0d9c4',
  ip: '#c9e4f6',
  ipv6: '#c9e4f6',
  tcp: '#cfeccf',
  tls: '#f6d2d2',
  chatmsg: '#ffd7a8',
};
const OTHER = '#e4e4e4';

export const layerColour = (protocol: string): string => LAYER_COLOURS[protocol] ?? OTHER;

/** Which layer each byte of the frame belongs to: the innermost (last) layer that covers it. */
export function byteLayers(view: FrameView): (string | undefined)[] {
  const owner: (string | undefined)[] = new Array(view.bytes.length).fill(undefined);
  for (const layer of view.layers) {
    for (let i = layer.offset; i < Math.min(layer.offset + layer.length, owner.length); i++) owner[i] = layer.protocol;
  }
  return owner;
}

/**
 * The bytes pane: offset, 16 bytes in hex, the same bytes as ASCII; every byte on the background
 * colour of its layer, so a reader sees where Ethernet ends and IP begins.
 */
export function hexDumpHtml(view: FrameView): string {
  const owner = byteLayers(view);
  // One span per run of bytes of the same layer (not one per byte): a printed page stays light.
  const runs = (start: number, end: number, text: (i: number) => string, gap: string) => {
    const parts: string[] = [];
    let i = start;
    while (i < end) {
      let j = i;
      while (j < end && owner[j] === owner[i]) j++;
      const body = Array.from({ length: j - i }, (_, k) => text(i + k)).join(gap);
      parts.push(owner[i] === undefined ? body : `<span style="background:${layerColour(owner[i]!)}">${body}</span>`);
      i = j;
    }
    return parts.join(gap);
  };
  const rows: string[] = [];
  for (let start = 0; start < view.bytes.length; start += 16) {
    const end = Math.min(start + 16, view.bytes.length);
    const hex = runs(start, end, (i) => view.bytes[i]!.toString(16).padStart(2, '0'), ' ');
    const ascii = runs(start, end, (i) => escapeXml(view.bytes[i]! >= 0x20 && view.bytes[i]! < 0x7f ? String.fromCharCode(view.bytes[i]!) : '.'), '');
    rows.push(`<span class="off">${start.toString(16).padStart(4, '0')}</span>  ${hex}${'   '.repeat(16 - (end - start))}  ${ascii}`);
  }
  const legend = view.layers
    .filter((layer, i, all) => all.findIndex((l) => l.protocol === layer.protocol) === i)
    .map((layer) => `<span class="key" style="background:${layerColour(layer.protocol)}">${escapeXml(layer.title)}</span>`)
    .join(' ');
  return `<pre class="hex">${rows.join('\n')}</pre><p class="legend">${legend}</p>`;
}

/** The same dump as plain text, for the Markdown report. */
export function hexDumpText(view: FrameView): string {
  const rows: string[] = [];
  for (let start = 0; start < view.bytes.length; start += 16) {
    const chunk = view.bytes.subarray(start, start + 16);
    const hex = [...chunk].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...chunk].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    rows.push(`${start.toString(16).padStart(4, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return rows.join('\n');
}
