import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server-process.js';
import { RawPeer } from './helpers/raw-peer.js';
import { captureLoopback, serverBpf } from './helpers/tcpdump.js';
import { parseFieldRows, tsharkFields } from './helpers/tshark-fields.js';

const KEY = `${'A'.repeat(43)}=`;
const SIGNATURE = `${'B'.repeat(86)}==`;

describe('chatmsg.lua on the secure extension verbs (spec section 9), against the real server', () => {
  let dir: string;
  let pcap: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chatmsg-secure-'));
    pcap = join(dir, 'secure.pcap');
    const server = await startServer();
    const capture = await captureLoopback(pcap, serverBpf(server.host, server.port));
    try {
      const peer = await RawPeer.connect(server.port);
      await peer.waitFor('HELLO ');
      const steps: [string, string][] = [
        [`REGISTER eve ${KEY}`, 'CHALLENGE '],
        [`PROVE ${SIGNATURE}`, 'ERR 421'],
        [`PREKEY ${KEY} ${SIGNATURE}`, 'ERR 401'],
        ['KEYS eve', 'ERR 401 not logged in: KEYS'],
        ['EMSG eve 9007199254740991 QUJD', 'ERR 401 not logged in: EMSG'],
        ['REGISTER eve', 'ERR 400'],
      ];
      for (const [line, reply] of steps) {
        await peer.sendChunks([`${line}\n`]);
        await peer.waitFor(reply);
      }
      await peer.close();
    } finally {
      await capture.stop();
      await server.stop();
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const rowsOf = async (filter: string, fields: string[]) => parseFieldRows(await tsharkFields(pcap, fields, { filter }));

  it('dissects each secure request with its named fields and no unknown-verb note', async () => {
    const [register] = await rowsOf('chatmsg.verb == "REGISTER" && chatmsg.key', ['chatmsg.client_id', 'chatmsg.key', '_ws.expert.message']);
    expect(register).toEqual({ 'chatmsg.client_id': 'eve', 'chatmsg.key': KEY, '_ws.expert.message': '' });
    const [prekey] = await rowsOf('chatmsg.verb == "PREKEY"', ['chatmsg.key', 'chatmsg.signature']);
    expect(prekey).toEqual({ 'chatmsg.key': KEY, 'chatmsg.signature': SIGNATURE });
    const [emsg] = await rowsOf('chatmsg.counter == 9007199254740991', ['chatmsg.direction', 'chatmsg.target', 'chatmsg.payload']);
    expect(emsg).toEqual({ 'chatmsg.direction': 'request', 'chatmsg.target': 'eve', 'chatmsg.payload': 'QUJD' });
    expect(await rowsOf('chatmsg.unknown_verb', ['chatmsg.line'])).toEqual([]);
  });

  it('dissects the server\'s CHALLENGE', async () => {
    const [challenge] = await rowsOf('chatmsg.verb == "CHALLENGE"', ['chatmsg.direction', 'chatmsg.nonce', 'chatmsg.realm', 'chatmsg.binding']);
    expect(challenge!['chatmsg.direction']).toBe('response');
    expect(challenge!['chatmsg.nonce']).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(challenge!['chatmsg.realm']).not.toBe('');
    expect(challenge!['chatmsg.binding']).toBe('none');
  });

  it('flags a REGISTER without its key as malformed, as the server does', async () => {
    expect(await rowsOf('chatmsg.malformed', ['chatmsg.line', '_ws.expert.message'])).toEqual([
      { 'chatmsg.line': 'REGISTER eve', '_ws.expert.message': 'Malformed CHAT-MSG REGISTER: missing key' },
    ]);
  });
});
