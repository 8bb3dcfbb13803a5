import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../src/analyze/analysis.js';
import { SEGMENTED_PCAP } from '../analyze/fixture.js';
import { requireTool } from '../helpers/tools.js';
import { withRetransmission, withSwappedFrames } from './helpers/pcap-file.js';
import { parseFieldRows, tsharkFields } from './helpers/tshark-fields.js';

const tshark = await requireTool('tshark');

const lines = async (filter: string, options: { port?: number; extra?: string[] } = {}) =>
  parseFieldRows(await tsharkFields(SEGMENTED_PCAP, ['frame.number', 'chatmsg.line'], { filter, port: options.port }))
    .map((row) => row['chatmsg.line']!);

/** The fixture's server port: the source port of its HELLO. */
let serverPort: number;

describe.skipIf(tshark.skip)(tshark.title('chatmsg.lua display filters, expert info, heuristic and port preference'), () => {
  beforeAll(async () => {
    const rows = parseFieldRows(await tsharkFields(SEGMENTED_PCAP, ['tcp.srcport'], { filter: 'chatmsg.verb == "HELLO"' }));
    serverPort = Number(rows[0]!['tcp.srcport']);
  });

  it('filters on verb and target', async () => {
    expect(await lines('chatmsg.verb == "MSG"')).toEqual([
      'MSG alice hi there', 'MSG bob alice hi there', 'MSG ALL hello everyone', 'MSG alice ALL hello everyone', 'MSG bob',
    ]);
    expect(await lines('chatmsg.target == "ALL"')).toEqual(['MSG ALL hello everyone', 'MSG alice ALL hello everyone', 'OK MSG ALL 1']);
    expect(await lines('chatmsg.direction == "request" && chatmsg.client_id == "bob"')).toEqual(['LOGIN bob,LIST,PING t1', 'LOGOFF bob']);
    expect(await lines('chatmsg.code == 400')).toHaveLength(3);
    expect(await lines('chatmsg.count == 1 && chatmsg.reply_to == "MSG"')).toEqual(['OK MSG ALL 1']);
  });

  it('marks malformed lines (missing argument, not UTF-8) as expert info of group Malformed', async () => {
    const rows = parseFieldRows(await tsharkFields(SEGMENTED_PCAP, ['chatmsg.line', '_ws.expert.message', '_ws.expert.group', '_ws.expert.severity'], { filter: 'chatmsg.malformed' }));
    expect(rows.map((r) => [r['chatmsg.line'], r['_ws.expert.message']])).toEqual([
      ['MSG bob', 'Malformed CHAT-MSG MSG: missing text'],
      ['\\xff\\xfe', 'Malformed CHAT-MSG line: not valid UTF-8'],
    ]);
    // Group and severity are numbers in -T fields: PI_MALFORMED, PI_ERROR.
    for (const row of rows) {
      expect(row['_ws.expert.group']).toBe(String(0x07000000));
      expect(row['_ws.expert.severity']).toBe(String(0x00800000));
    }
    expect(await lines('chatmsg.unknown_verb')).toEqual(['NOPE x']);
  });

  it('finds CHAT-MSG on another port by its heuristic, and nothing with the heuristic off', async () => {
    expect(serverPort).not.toBe(5151);
    const byHeuristic = await lines('chatmsg');
    const byPort = await lines('chatmsg', { port: serverPort });
    expect(byHeuristic).toEqual(byPort);
    expect(byHeuristic).toHaveLength(24);
    const off = await tsharkFields(SEGMENTED_PCAP, ['chatmsg.line'], { filter: 'chatmsg', prefs: ['chatmsg.heuristic:FALSE'] });
    expect(parseFieldRows(off)).toEqual([]);
    const offButPort = await tsharkFields(SEGMENTED_PCAP, ['chatmsg.line'], {
      filter: 'chatmsg', port: serverPort, prefs: ['chatmsg.heuristic:FALSE'],
    });
    expect(parseFieldRows(offButPort)).toHaveLength(24);
  });
});

describe.skipIf(tshark.skip)(tshark.title('chatmsg.lua and a TCP retransmission'), () => {
  let dir: string;
  let pcap: string;
  let retransmitted: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chatmsg-retrans-'));
    pcap = join(dir, 'retransmission.pcap');
    const rows = parseFieldRows(await tsharkFields(SEGMENTED_PCAP, ['frame.number'], { filter: 'chatmsg.line == "MSG ALL hello everyone"' }));
    const frame = Number(rows[0]!['frame.number']);
    // The same segment again right after the original, before its ACK: a plain retransmission.
    await withRetransmission(SEGMENTED_PCAP, pcap, frame, frame);
    retransmitted = frame + 1;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['TRUE', 'FALSE'])('dissects the PDU once, not again from the retransmission (TCP reassembly %s)', async (desegment) => {
    const prefs = [`tcp.desegment_tcp_streams:${desegment}`];
    const rows = parseFieldRows(await tsharkFields(pcap, ['frame.number', 'chatmsg.line'], { filter: 'chatmsg', prefs }));
    const carrying = rows.filter((r) => r['chatmsg.line'] === 'MSG ALL hello everyone');
    expect(carrying.map((r) => Number(r['frame.number']))).toEqual([retransmitted - 1]);
    const flagged = parseFieldRows(await tsharkFields(pcap, ['frame.number'], { filter: 'tcp.analysis.retransmission', prefs }));
    expect(flagged.map((r) => Number(r['frame.number']))).toEqual([retransmitted]);
  });

  it('reports the retransmission and still counts each PDU once', async () => {
    const analysis = await analyzeCapture(pcap);
    expect(analysis.retransmissions).toEqual([retransmitted]);
    expect(analysis.pdus).toHaveLength(28);
    expect(analysis.pdus.filter((p) => p.line === 'MSG ALL hello everyone')).toHaveLength(1);
  });
});

describe.skipIf(tshark.skip)(tshark.title('chatmsg.lua and a line longer than its max_line preference'), () => {
  it('reports the over-long line as expert info instead of reassembling forever', async () => {
    // LOGIN alice arrives one byte per segment: with max_line 8 the 8th byte without LF is too much.
    const rows = parseFieldRows(await tsharkFields(SEGMENTED_PCAP, ['tcp.stream', '_ws.expert.message'], {
      filter: 'chatmsg.too_long', prefs: ['chatmsg.max_line:8'],
    }));
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows[0]!['_ws.expert.message']).toBe('Line without LF longer than 8 bytes');
    expect(rows[0]!['tcp.stream']).toBe('0');
  });
});

describe.skipIf(tshark.skip)(tshark.title('chatmsg.lua on a capture that recorded segments out of order'), () => {
  let dir: string;
  it('still finds every PDU once (tshark runs with TCP out-of-order reassembly)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'chatmsg-ooo-'));
    const pcap = join(dir, 'out-of-order.pcap');
    // Two of the one-byte segments of "LOGIN alice" (data frames of the client), swapped.
    const rows = parseFieldRows(await tsharkFields(SEGMENTED_PCAP, ['frame.number', 'tcp.len'], {
      filter: 'tcp.stream == 0 && tcp.len == 1 && tcp.dstport != 0',
    }));
    const [a, b] = [Number(rows[3]!['frame.number']), Number(rows[4]!['frame.number'])];
    await withSwappedFrames(SEGMENTED_PCAP, pcap, a, b);
    const lines = parseFieldRows(await tsharkFields(pcap, ['chatmsg.line'], { filter: 'chatmsg' }))
      .flatMap((r) => r['chatmsg.line']!.split(','));
    const original = parseFieldRows(await tsharkFields(SEGMENTED_PCAP, ['chatmsg.line'], { filter: 'chatmsg' }))
      .flatMap((r) => r['chatmsg.line']!.split(','));
    expect(lines).toEqual(original);
    expect(lines.filter((l) => l === 'LOGIN alice')).toHaveLength(1);
    await rm(dir, { recursive: true, force: true });
  });
});
