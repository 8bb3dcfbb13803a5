import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionTo, user } from '../crypto/fixtures.js';
import { requireTool } from '../helpers/tools.js';
import { captureServerRun, type CapturedRun } from './helpers/captured-run.js';
import { RawPeer } from './helpers/raw-peer.js';
import { parseFieldRows, tsharkFields } from './helpers/tshark-fields.js';

const capture = await requireTool('tcpdump', 'root', 'tshark');

/** Ed25519's base point (y = 4/5): a valid key (all-zero bytes, a point of order 4, is refused with ERR 425). */
const KEY = Buffer.from('5866666666666666666666666666666666666666666666666666666666666666', 'hex').toString('base64');
const SIGNATURE = `${'B'.repeat(86)}==`;
/** A genuine payload (E || ciphertext || tag) of a session from alice to eve. */
const SESSION = sessionTo(user('alice'), user('eve'));
const SEALED = SESSION.seal('hi eve');

describe.skipIf(capture.skip)(capture.title('chatmsg.lua on the secure extension verbs (spec section 9), against the real server'), () => {
  let run: CapturedRun;
  let pcap: string;
  beforeAll(async () => {
    run = await captureServerRun('secure', async (port) => {
      const peer = await RawPeer.greeted(port);
      await peer.request(`REGISTER eve ${KEY}`, 'CHALLENGE ');
      await peer.request(`PROVE ${SIGNATURE}`, 'ERR 421');
      await peer.request(`PREKEY ${KEY} ${SIGNATURE}`, 'ERR 401');
      await peer.request('KEYS eve', 'ERR 401 not logged in: KEYS');
      await peer.request('EMSG eve 9007199254740991 QUJD', 'ERR 401 not logged in: EMSG');
      await peer.request(`EMSG eve 7 ${SEALED.payload}`, 'ERR 401 not logged in: EMSG');
      await peer.request('REGISTER eve', 'ERR 400');
      await peer.close();
    });
    pcap = run.pcap;
  });
  afterAll(() => run.remove());

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

  it('shows the session\'s ephemeral key and the sealed length inside an EMSG payload, and leaves a short payload alone', async () => {
    const [sealed] = await rowsOf('chatmsg.counter == 7', ['chatmsg.ephemeral', 'chatmsg.sealed_len']);
    expect(sealed).toEqual({ 'chatmsg.ephemeral': SESSION.ephemeral.toString('hex'), 'chatmsg.sealed_len': String('hi eve'.length + 16) });
    const [short] = await rowsOf('chatmsg.counter == 9007199254740991', ['chatmsg.ephemeral', 'chatmsg.sealed_len']);
    expect(short).toEqual({ 'chatmsg.ephemeral': '', 'chatmsg.sealed_len': '' });
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
