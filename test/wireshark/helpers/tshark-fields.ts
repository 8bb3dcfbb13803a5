import { readFieldRows } from '../../../src/analyze/field-rows.js';
import type { TsharkOptions } from '../../../src/analyze/tshark.js';

/** The columns of the golden file: what the dissector found in each frame that has CHAT-MSG. */
export const GOLDEN_FIELDS = [
  'frame.number', 'tcp.stream', 'tcp.len', 'tcp.segment.count',
  'chatmsg.direction', 'chatmsg.verb', 'chatmsg.client_id', 'chatmsg.target', 'chatmsg.from', 'chatmsg.text',
  'chatmsg.reply_to', 'chatmsg.code', 'chatmsg.count', 'chatmsg.ids', 'chatmsg.token', 'chatmsg.args',
  'chatmsg.line', 'chatmsg.line_len', '_ws.col.Info', '_ws.expert.message',
] as const;

/**
 * The dissector's fields, one row per frame matching `filter` (default: chatmsg), as a table: a
 * header of the requested names, then one tab-separated line per frame, a field's occurrences
 * joined by `,` (the layout of `tshark -T fields -E header=y -E occurrence=a` on 4.0). It is read
 * from `-T json` (readFieldRows), so the text is the same on every tshark version.
 */
export async function tsharkFields(pcap: string, fields: readonly string[] = GOLDEN_FIELDS, options: TsharkOptions = {}): Promise<string> {
  const rows = await readFieldRows(pcap, fields, { ...options, filter: options.filter ?? 'chatmsg' });
  const lines = rows.map((row) => fields.map((field) => (row[field] ?? []).join(',')).join('\t'));
  return [fields.join('\t'), ...lines].map((line) => `${line}\n`).join('');
}

/** Rows of a tsharkFields table as objects. */
export function parseFieldRows(output: string): Record<string, string>[] {
  // Only the final newline goes: a trailing tab is an empty last column.
  const [header, ...lines] = output.replace(/\n$/, '').split('\n');
  const names = header!.split('\t');
  return lines.map((line) => Object.fromEntries(line.split('\t').map((value, i) => [names[i]!, value])));
}
