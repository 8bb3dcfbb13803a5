import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server-process.js';
import { startClient, type ChatClient } from './helpers/chat-client.js';
import { startTapProxy, type TapProxy } from './helpers/tap-proxy.js';
import { workspace } from './helpers/workspace.js';

let ws: Awaited<ReturnType<typeof workspace>>;
let server: RunningServer;
let mitm: TapProxy;
const clients: ChatClient[] = [];

/** EMSG lines relayed to Bob so far: what a malicious server keeps to replay. */
const relayed: string[] = [];

beforeAll(async () => {
  ws = await workspace();
  server = await startServer();
  // The server in the middle: after Alice's third message it claims she left (the reset that
  // once made Bob forget his counters), then replays all three.
  mitm = await startTapProxy(server.port, (line) => {
    if (!line.startsWith('EMSG alice bob ')) return [line];
    relayed.push(line);
    return relayed.length === 3 ? [line, 'LEFT alice', 'JOINED alice', ...relayed] : [line];
  });
});

afterAll(async () => {
  for (const c of clients) c.process.kill();
  await mitm?.close();
  await server?.stop();
  await ws?.remove();
});

describe('a replay after an injected LEFT (real server, real clients, a proxy in the middle)', () => {
  it('is refused by the recipient with a visible warning, and each message is shown once', async () => {
    const bob = startClient(mitm.port, ['--key', ws.path('bob.key')], ws.dir);
    const alice = startClient(server.port, ['--key', ws.path('alice.key')], ws.dir);
    clients.push(bob, alice);
    bob.say('/register bob');
    await bob.waitFor(/< OK PREKEY/);
    alice.say('/register alice');
    await alice.waitFor(/< OK PREKEY/);
    for (const text of ['one', 'two', 'three']) alice.say(`/e bob ${text}`);
    await bob.waitFor(/\* e2e from alice #3: three$/);
    for (const n of [1, 2, 3]) {
      expect(await bob.waitFor(new RegExp(`REJECTED e2e message from alice: replayed .*counter ${n}, already at 3`))).toBeTruthy();
    }
    await bob.waitForStderr(/REJECTED e2e message from alice: replayed .*counter 3/);
    // And the conversation goes on under the same session.
    alice.say('/e bob four');
    await bob.waitFor(/\* e2e from alice #4: four$/);
    const shown = bob.lines.filter((line) => line.includes('* e2e from alice')).map((line) => line.replace(/^.* #/, '#'));
    expect(shown).toEqual(['#1: one', '#2: two', '#3: three', '#4: four']);
  });
});
