import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFieldRows } from '../../src/analyze/field-rows.js';
import { MAX_COUNTER } from '../../src/crypto/aead.js';
import { parseRequest } from '../../src/protocol/request.js';
import { captureServerRun, type CapturedRun } from './helpers/captured-run.js';
import { requireTool } from '../helpers/tools.js';
import { RawPeer } from './helpers/raw-peer.js';

const capture = await requireTool('tcpdump', 'root', 'tshark');

/**
 * Counters at the edges (spec section 9: 1 .. 2^53-1, no leading zeros), written as text: 2^53+1
 * is the first integer a double cannot hold, so a dissector that goes through a Lua number shows
 * ...992 for it on tshark 4.0. The largest 16-digit and 20-digit (2^64-1) texts are past the range
 * but still a UInt64.
 */
const COUNTERS = [
  '1', '4294967296', String(MAX_COUNTER), '9007199254740992', '9007199254740993', '9999999999999999', '18446744073709551615', '007',
];
const TOO_BIG = '18446744073709551616';
/** And a fixed sample of counters anywhere in 0 .. 2^64-1, some with a leading zero (seeded, so every run sends the same). */
const SAMPLED = fc.sample(
  fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.boolean()).map(([n, zero]) => `${zero ? '0' : ''}${n}`),
  { seed: 20, numRuns: 30 },
);
const ALL = [...new Set([...COUNTERS, ...SAMPLED])];

const line = (counter: string) => `EMSG eve ${counter} QUJD`;

describe.skipIf(capture.skip)(capture.title('chatmsg.counter is exact for every counter text, and out-of-range counters are malformed as the codec says'), () => {
  let run: CapturedRun;
  let rows: Awaited<ReturnType<typeof readRows>>;
  const readRows = (pcap: string) =>
    readFieldRows(pcap, ['chatmsg.line', 'chatmsg.counter', '_ws.expert.message'], { filter: 'chatmsg.verb == "EMSG"' });

  beforeAll(async () => {
    run = await captureServerRun('counter', async (port) => {
      const peer = await RawPeer.greeted(port);
      for (const counter of [...ALL, TOO_BIG]) {
        const before = peer.received.length;
        await peer.sendChunks([`${line(counter)}\n`]);
        await peer.waitFor('ERR ', 5000, before);
      }
      await peer.close();
    });
    rows = await readRows(run.pcap);
  });
  afterAll(() => run.remove());

  it('shows each counter exactly as sent, also above 2^53 (JSON keeps it as text)', () => {
    const shown = new Map(rows.map((row) => [row['chatmsg.line']![0]!, row['chatmsg.counter']?.[0]]));
    for (const counter of ALL) expect(shown.get(line(counter)), counter).toBe(BigInt(counter).toString());
    expect(shown.get(line(TOO_BIG))).toBeUndefined();
  });

  it('flags as malformed exactly the counters the codec refuses', () => {
    for (const row of rows) {
      const text = row['chatmsg.line']![0]!;
      const refused = !parseRequest(Buffer.from(text)).ok;
      const expert = row['_ws.expert.message'] ?? [];
      expect(expert.some((m) => m.startsWith('Malformed CHAT-MSG EMSG: counter out of range')), text).toBe(refused);
    }
    expect(rows).toHaveLength(ALL.length + 1);
  });

  it('matches a display filter on a counter above 2^53 exactly, not its rounded neighbour', async () => {
    const only = await readFieldRows(run.pcap, ['chatmsg.line'], { filter: 'chatmsg.counter == 9007199254740993' });
    expect(only.map((row) => row['chatmsg.line']![0])).toEqual([line('9007199254740993')]);
  });
});
