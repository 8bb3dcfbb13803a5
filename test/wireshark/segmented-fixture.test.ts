import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/tools.js';
import { captureServerRun, type CapturedRun } from './helpers/captured-run.js';
import { playSegmentedTraffic } from './helpers/segmented-traffic.js';
import { parseFieldRows, tsharkFields } from './helpers/tshark-fields.js';

const capture = await requireTool('tcpdump', 'root', 'tshark');

const FIXTURE = fileURLToPath(new URL('../../wireshark/fixtures/segmented.pcap', import.meta.url));
const GOLDEN = fileURLToPath(new URL('../../wireshark/fixtures/segmented.fields.txt', import.meta.url));
/** UPDATE_FIXTURES=1 replaces the committed capture and golden file with this run's. */
const UPDATE = process.env['UPDATE_FIXTURES'] === '1';

/**
 * The PDUs of a fields output per TCP stream, without what changes between runs (frame numbers,
 * ports). Only the order inside a stream is fixed: TCP does not order bytes across connections.
 */
const pduSequence = (output: string) =>
  parseFieldRows(output)
    .flatMap((row) => {
      const directions = row['chatmsg.direction']!.split(',');
      return row['chatmsg.line']!.split(',').map((line, i) => `${row['tcp.stream']} ${directions[i]} ${line}`);
    })
    .sort((a, b) => Number(a.split(' ', 1)[0]) - Number(b.split(' ', 1)[0]));

// Its beforeAll records a fresh capture of the same traffic, to compare with the committed one.
describe.skipIf(capture.skip)(capture.title('dissector on a deliberately segmented capture'), () => {
  let run: CapturedRun;
  let freshPcap: string;

  beforeAll(async () => {
    run = await captureServerRun('segmented', playSegmentedTraffic);
    freshPcap = run.pcap;
    if (UPDATE) {
      await copyFile(freshPcap, FIXTURE);
      await writeFile(GOLDEN, await tsharkFields(FIXTURE, undefined, { port: await fixturePort(freshPcap) }));
    }
  });
  afterAll(() => run.remove());

  it('the committed fixture still dissects exactly as its golden file says', async () => {
    const golden = await readFile(GOLDEN, 'utf8');
    expect(await tsharkFields(FIXTURE, undefined, { port: await fixturePort() })).toBe(golden);
  });

  it('a fresh capture of the same traffic against the real server gives the same PDUs', async () => {
    const port = await fixturePort(freshPcap);
    const fresh = pduSequence(await tsharkFields(freshPcap, undefined, { port }));
    const golden = pduSequence(await readFile(GOLDEN, 'utf8'));
    expect(fresh).toEqual(golden);
    expect(fresh).toContain('0 request LOGIN alice');
  });

  it('reassembles a request sent one byte per segment into one PDU', async () => {
    const rows = parseFieldRows(await tsharkFields(FIXTURE, undefined, { port: await fixturePort() }));
    const login = rows.find((r) => r['chatmsg.line'] === 'LOGIN alice')!;
    expect(login['tcp.segment.count']).toBe('12');
    expect(login['chatmsg.client_id']).toBe('alice');
    const cut = rows.find((r) => r['chatmsg.line'] === 'MSG alice hi there')!;
    expect(cut['tcp.segment.count']).toBe('3');
    expect(cut['chatmsg.target']).toBe('alice');
    expect(cut['chatmsg.text']).toBe('hi there');
  });

  it('dissects several PDUs of one segment as separate PDUs, each in the Info column', async () => {
    const rows = parseFieldRows(await tsharkFields(FIXTURE, undefined, { port: await fixturePort() }));
    const three = rows.find((r) => r['chatmsg.verb'] === 'LOGIN,LIST,PING')!;
    expect(three['chatmsg.line']).toBe('LOGIN bob,LIST,PING t1');
    expect(three['chatmsg.token']).toBe('t1');
    expect(three['_ws.col.Info']).toBe('LOGIN bob | LIST | PING t1');
  });
});

/** The server port of a capture: the source port of its first SYN-ACK. */
async function fixturePort(pcap = FIXTURE): Promise<number> {
  const out = await tsharkFields(pcap, ['tcp.srcport'], { filter: 'tcp.flags.syn == 1 && tcp.flags.ack == 1' });
  return Number(parseFieldRows(out)[0]!['tcp.srcport']);
}
