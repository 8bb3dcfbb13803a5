import { describe, expect, it } from 'vitest';
import { fieldRowsFromJson } from '../../src/analyze/field-rows.js';

const FIELDS = ['frame.number', '_ws.col.Info', 'chatmsg.line', 'chatmsg.counter'] as const;

/** One packet of `tshark -T json -e ...` output, as tshark 4.0 and 4.4 print it for the same frame. */
const packet = (layers: Record<string, string[]>) => ({ _index: 'packets-x', _type: 'doc', _score: null, _source: { layers } });

describe('fields read from tshark -T json, the same on every version', () => {
  it('takes 4.4\'s _ws.col.info for the _ws.col.Info asked for, and keeps a backslash single (JSON quoting, not -T fields escaping)', () => {
    const v40 = JSON.stringify([packet({ 'frame.number': ['31'], '_ws.col.Info': ['[malformed: not valid UTF-8]'], 'chatmsg.line': ['\\xff\\xfe'] })]);
    const v44 = JSON.stringify([packet({ 'frame.number': ['31'], '_ws.col.info': ['[malformed: not valid UTF-8]'], 'chatmsg.line': ['\\xff\\xfe'] })]);
    const expected = [{ 'frame.number': ['31'], '_ws.col.Info': ['[malformed: not valid UTF-8]'], 'chatmsg.line': ['\\xff\\xfe'] }];
    expect(fieldRowsFromJson(v40, FIELDS)).toEqual(expected);
    expect(fieldRowsFromJson(v44, FIELDS)).toEqual(expected);
    expect(expected[0]!['chatmsg.line'][0]).toHaveLength(8);
  });

  it('keeps every occurrence in order, a 64-bit value as its exact text, and leaves absent fields out', () => {
    const json = JSON.stringify([packet({ 'chatmsg.line': ['A', 'B'], 'chatmsg.counter': ['9007199254740993'] }), packet({})]);
    expect(fieldRowsFromJson(json, FIELDS)).toEqual([{ 'chatmsg.line': ['A', 'B'], 'chatmsg.counter': ['9007199254740993'] }, {}]);
  });

  it('reads no packets from empty output (a filter that matched nothing)', () => {
    expect(fieldRowsFromJson('', FIELDS)).toEqual([]);
    expect(fieldRowsFromJson('[\n]\n', FIELDS)).toEqual([]);
  });

  it('refuses output that is not JSON (a tshark that printed something else) instead of reading nothing', () => {
    expect(() => fieldRowsFromJson('1\tLOGIN alice\n', FIELDS)).toThrow(SyntaxError);
  });
});
