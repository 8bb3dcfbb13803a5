import { runTshark, type TsharkOptions } from './tshark.js';

/** One packet's values of the requested fields, each field's occurrences in order (absent: none). */
export type FieldRow<F extends string = string> = Partial<Record<F, string[]>>;

/**
 * Reads fields with `-T json -e`, whose values are the same on every tshark we test: `-T fields`
 * changed in 4.2+ (backslashes in text doubled, `_ws.col.Info` printed as `_ws.col.info`), while
 * JSON quotes strings by JSON's rules. Only the key of a column field changes case (see below).
 */
export async function readFieldRows<F extends string>(pcap: string, fields: readonly F[], options: TsharkOptions = {}): Promise<FieldRow<F>[]> {
  const json = await runTshark(pcap, ['-T', 'json', ...fields.flatMap((field) => ['-e', field])], options);
  return fieldRowsFromJson(json, fields);
}

/**
 * Rows from tshark's `-T json -e` output (an array of {_source: {layers}}). A key is matched to
 * the requested field ignoring case: tshark 4.2+ names the column fields in lower case
 * (`_ws.col.info`) however they were asked for.
 */
export function fieldRowsFromJson<F extends string>(json: string, fields: readonly F[]): FieldRow<F>[] {
  const packets = JSON.parse(json.trim() === '' ? '[]' : json) as { _source: { layers: Record<string, unknown> } }[];
  return packets.map(({ _source: { layers } }) => {
    const byName = new Map(Object.entries(layers).map(([key, value]) => [key.toLowerCase(), value]));
    const row: FieldRow<F> = {};
    for (const field of fields) {
      const value = layers[field] ?? byName.get(field.toLowerCase());
      if (value !== undefined) row[field] = (Array.isArray(value) ? value : [value]).map(String);
    }
    return row;
  });
}
