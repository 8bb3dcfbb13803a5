import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRegistry } from '../../src/server/registry.js';
import { startServer, type RunningServer } from '../helpers/server-process.js';
import { startClient, type ChatClient } from './helpers/chat-client.js';
import { workspace } from './helpers/workspace.js';

let ws: Awaited<ReturnType<typeof workspace>>;
let server: RunningServer | undefined;
const clients: ChatClient[] = [];

function client(args: string[]): ChatClient {
  const c = startClient(server!.port, args, ws.dir);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  ws = await workspace();
});

afterAll(async () => {
  for (const c of clients) c.process.kill();
  await server?.stop();
  await ws?.remove();
});

describe('registered ids need their key (real server and clients)', () => {
  it('registers Alice, keeps her across a restart, and refuses everyone without her key', async () => {
    server = await startServer(['--registry', ws.path('registry.json')]);
    const alice = client(['--key', ws.path('alice.key')]);
    alice.say('/register Alice');
    await alice.waitFor(/< OK REGISTER Alice/);
    expect(await alice.end()).toBe(0);

    // Restart where Alice's client knows it: the registry is read back from its file.
    const { port } = server;
    expect(await server.stop()).toBe(0);
    server = await startServer(['--registry', ws.path('registry.json')], port);
    expect(server.log()).toMatch(/registry .*registry\.json \(1 ids\)/);

    const mallory = client(['--key', ws.path('mallory.key')]);
    mallory.say('LOGIN alice');
    await mallory.waitFor(/< ERR 420 this id is registered: log in with AUTH and its key: AUTH Alice/);
    mallory.say('/auth alice');
    await mallory.waitFor(/< ERR 421 proof of key possession failed: signature does not verify with Alice's key/);
    mallory.say('/register ALICE');
    await mallory.waitFor(/< ERR 422 this id is already registered to a key: ALICE/);
    // Replaying a proof without a fresh challenge does not work either.
    mallory.say(`PROVE ${Buffer.alloc(64).toString('base64')}`);
    await mallory.waitFor(/< ERR 421 .*no challenge pending/);
    mallory.say('LIST');
    await mallory.waitFor(/< ERR 401 /);
    expect(await mallory.end()).toBe(0);

    const registry = parseRegistry(await readFile(ws.path('registry.json'), 'utf8'));
    expect(Object.keys(registry.users)).toEqual(['alice']);

    // Alice herself gets in, with --id and --key (AUTH instead of LOGIN).
    const again = client(['--key', ws.path('alice.key'), '--id', 'alice']);
    await again.waitFor(/< OK AUTH Alice/);
    await again.waitFor(/< OK PREKEY/);
    // Unregistered ids keep the original plain LOGIN.
    const plain = client(['--id', 'bob']);
    await plain.waitFor(/< OK LOGIN bob/);
    await again.waitFor(/< JOINED bob/);
    expect(await plain.end()).toBe(0);
    expect(await again.end()).toBe(0);
  });
});
