import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePayload } from '../../src/crypto/emsg-payload.js';
import { startServer, type RunningServer } from '../helpers/server-process.js';
import { startClient, type ChatClient } from './helpers/chat-client.js';
import { startTapProxy, type TapProxy } from './helpers/tap-proxy.js';
import { workspace } from './helpers/workspace.js';

let ws: Awaited<ReturnType<typeof workspace>>;
let server: RunningServer;
let mitm: TapProxy;
const clients: ChatClient[] = [];

beforeAll(async () => {
  ws = await workspace();
  process.env['CHATMSG_E2E_KEYLOG'] = ws.path('e2e-keys.log');
  server = await startServer();
  // The server in the middle tells Alice, after every message she gets through, that Bob left
  // and came back: the reset that once made her client derive the same key with counter 1 again.
  mitm = await startTapProxy(server.port, (line) => (line === 'OK EMSG bob' ? [line, 'LEFT bob', 'JOINED bob'] : [line]));
});

afterAll(async () => {
  delete process.env['CHATMSG_E2E_KEYLOG'];
  for (const c of clients) c.process.kill();
  await mitm?.close();
  await server?.stop();
  await ws?.remove();
});

describe('no (key, nonce) twice from a real client that a server keeps resetting', () => {
  it('starts a new session with a new key after every injected LEFT/JOINED and after /forget', async () => {
    const bob = startClient(server.port, ['--key', ws.path('bob.key')], ws.dir);
    const alice = startClient(mitm.port, ['--key', ws.path('alice.key')], ws.dir);
    clients.push(bob, alice);
    bob.say('/register bob');
    await bob.waitFor(/< OK PREKEY/);
    alice.say('/register alice');
    await alice.waitFor(/< OK PREKEY/);
    const texts = ['one', 'two', 'three', 'four'];
    for (const [i, text] of texts.entries()) {
      if (i === 3) alice.say('/forget bob');
      const from = alice.lines.length;
      alice.say(`/e bob ${text}`);
      await alice.waitFor(/< JOINED bob/, { from });
      await bob.waitFor(new RegExp(`\\* e2e from alice #1: ${text}$`));
    }

    // What crossed the wire from Alice, and the keys her client logged for each ephemeral key.
    const sent = [...mitm.bytes().toString('latin1').matchAll(/^EMSG bob (\d+) (\S+)$/gm)];
    expect(sent).toHaveLength(texts.length);
    const keyLog = (await readFile(ws.path('e2e-keys.log'), 'utf8')).trim().split('\n').map((line) => line.split(' '));
    const keyOf = (ephemeral: Buffer) => keyLog.find((fields) => fields[1] === 'alice' && fields[3] === ephemeral.toString('hex'))?.[4];
    const pairs = sent.map(([, counter, payload]) => `${keyOf(decodePayload(payload!)!.ephemeral)}/${counter}`);
    expect(pairs.every((pair) => !pair.startsWith('undefined'))).toBe(true);
    expect(new Set(pairs).size).toBe(pairs.length);
  });
});
