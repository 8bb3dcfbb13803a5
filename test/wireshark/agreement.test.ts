import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRequest } from '../../src/protocol/request.js';
import { runTshark } from '../../src/analyze/tshark.js';
import { requireTool } from '../helpers/tools.js';
import { captureServerRun, type CapturedRun } from './helpers/captured-run.js';
import { RawPeer } from './helpers/raw-peer.js';
import { parseFieldRows, tsharkFields } from './helpers/tshark-fields.js';

const capture = await requireTool('tcpdump', 'root', 'tshark');

/** Texts at the edges of UTF-8 and of the control-character rule, sent after `MSG ALL `. */
const TEXTS: Record<string, number[]> = {
  'ascii': [...Buffer.from('plain text')],
  'two, three and four byte characters': [...Buffer.from('h\u00e9llo \u2603 \u{1d11e}')],
  'TAB is allowed': [...Buffer.from('a\tb')],
  'ESC is a control character': [0x61, 0x1b, 0x62],
  'DEL': [0x61, 0x7f],
  'C1 NEL U+0085': [0x61, 0xc2, 0x85],
  'C1 U+009F, the last one': [0xc2, 0x9f],
  'U+00A0 is above C1': [0x61, 0xc2, 0xa0],
  'lone continuation byte': [0x61, 0x80],
  'overlong slash C0 AF': [0xc0, 0xaf],
  'overlong E0 80 AF': [0xe0, 0x80, 0xaf],
  'surrogate ED A0 80': [0xed, 0xa0, 0x80],
  'above U+10FFFF F4 90 80 80': [0xf4, 0x90, 0x80, 0x80],
  'cut sequence E2 98': [0xe2, 0x98, 0x61],
  'F5 lead byte': [0xf5, 0x80, 0x80, 0x80],
};

/** Requests at the edges of the grammar; the codec (parseRequest) is the judge. */
const REQUESTS = [
  'LOGIN', 'LOGIN a b', 'LOGIN ALL', 'LOGIN all', `LOGIN ${'x'.repeat(32)}`, `LOGIN ${'x'.repeat(33)}`, 'LOGIN bad*id',
  'login erin', 'MSG', 'MSG ALL', 'MSG bob', 'MSG bob ', 'MSG bob hi', 'MSG  bob hi', 'MSG b@d hi', 'LIST', 'LIST x',
  'HELP', 'HELP me', 'PING', 'PING a b', 'LOGOFF', `LOGOFF ${'x'.repeat(32)}`,
];

describe.skipIf(capture.skip)(capture.title('the dissector flags as malformed exactly what the server and the codec refuse'), () => {
  let run: CapturedRun;
  let pcap: string;
  const serverSaid = new Map<string, string>();

  beforeAll(async () => {
    run = await captureServerRun('agreement', async (port) => {
      const peer = await RawPeer.greeted(port);
      await peer.request('LOGIN dana', 'OK LOGIN dana\n');
      for (const [name, bytes] of Object.entries(TEXTS)) {
        const before = peer.received.length;
        await peer.sendChunks([Buffer.concat([Buffer.from('MSG ALL '), Buffer.from(bytes), Buffer.from('\n')])]);
        await peer.waitFor('\n', 5000, before);
        serverSaid.set(name, peer.received.slice(before).split('\n')[0]!);
      }
      const other = await RawPeer.greeted(port);
      for (const line of REQUESTS) await other.sendChunks([`${line}\n`]);
      await other.waitFor('OK LOGOFF x');
      await other.close();
      await peer.close();
    });
    pcap = run.pcap;
  });
  afterAll(() => run.remove());

  it('agrees line by line', async () => {
    const rows = parseFieldRows(await tsharkFields(pcap, ['chatmsg.line', '_ws.expert.message'], {
      filter: `tcp.stream == 0 && chatmsg.direction == "request" && (chatmsg.line contains "MSG ALL" || chatmsg.malformed)`,
    }));
    expect(rows).toHaveLength(Object.keys(TEXTS).length);
    const verdicts = Object.keys(TEXTS).map((name, i) => ({
      name,
      server: serverSaid.get(name)!.startsWith('ERR 400') ? 'refused' : 'accepted',
      dissector: rows[i]!['_ws.expert.message']!.startsWith('Malformed') ? 'refused' : 'accepted',
    }));
    for (const v of verdicts) expect(v.dissector, `${v.name}: server ${v.server}`).toBe(v.server);
    expect(verdicts.filter((v) => v.server === 'accepted').map((v) => v.name)).toEqual([
      'ascii', 'two, three and four byte characters', 'TAB is allowed', 'U+00A0 is above C1',
    ]);
  });

  it('agrees with the codec on the request grammar', async () => {
    const rows = parseFieldRows(await tsharkFields(pcap, ['chatmsg.line'], {
      filter: 'tcp.stream == 1 && chatmsg.direction == "request"',
    }));
    // Several requests may share a segment: one verdict per PDU, in order.
    const lines = rows.flatMap((r) => r['chatmsg.line']!.split(','));
    expect(lines).toEqual(REQUESTS);
    const refusedByCodec = REQUESTS.filter((line) => !parseRequest(Buffer.from(line)).ok);
    expect(refusedByCodec.length).toBeGreaterThan(10);
    expect(await malformedLines(pcap)).toEqual(refusedByCodec);
  });
});

/** The request lines of stream 1 the dissector marked malformed (the expert item names its PDU). */
async function malformedLines(pcap: string): Promise<string[]> {
  const out = await runTshark(pcap, ['-T', 'pdml'], { filter: 'tcp.stream == 1 && chatmsg.malformed' });
  const found: string[] = [];
  for (const proto of out.split('<proto name="chatmsg"').slice(1)) {
    const body = proto.slice(0, proto.indexOf('</proto>'));
    if (!body.includes('name="chatmsg.malformed"')) continue;
    const line = /name="chatmsg.line" showname="Line: ([^"]*)"/.exec(body)?.[1] ?? '';
    found.push(line.replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
  }
  return found;
}
