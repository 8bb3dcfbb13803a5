import { runTshark, type TsharkOptions } from '../../../src/analyze/tshark.js';

/** The columns of the golden file: what the dissector found in each frame that has CHAT-MSG. */
export const GOLDEN_FIELDS = [
  'frame.number', 'tcp.stream', 'tcp.len', 'tcp.segment.count',
  'chatmsg.direction', 'chatmsg.verb', 'chatmsg.client_id', 'chatmsg.target', 'chatmsg.from', 'chatmsg.text',
  'chatmsg.reply_to', 'chatmsg.code', 'chatmsg.count', 'chatmsg.ids', 'chatmsg.token', 'chatmsg.args',
  'chatmsg.line', 'chatmsg.line_len', '_ws.col.Info', '_ws.expert.message',
] as const;

/** `tshark -T fields` with the dissector, one row per frame matching `filter` (default: chatmsg). */
export function tsharkFields(pcap: string, fields: readonly string[] = GOLDEN_FIELDS, options: TsharkOptions = {}) {
  const args = ['-T', 'fields', '-E', 'header=y', '-E', 'occurrence=a', ...fields.flatMap((f) => ['-e', f])];
  return runTshark(pcap, args, { ...options, filter: options.filter ?? 'chatmsg' });
}

/** Rows of a `-T fields` output as objects, each value split on the aggregator (`,`). */
export function parseFieldRows(output: string): Record<string, string>[] {
  // Only the final newline goes: a trailing tab is an empty last column.
  const [header, ...lines] = output.replace(/\n$/, '').split('\n');
  const names = header!.split('\t');
  return lines.map((line) => Object.fromEntries(line.split('\t').map((value, i) => [names[i]!, value])));
}
