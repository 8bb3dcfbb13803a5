import net from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityKey } from '../../src/crypto/identity.js';
import { PinStore } from '../../src/crypto/pin-store.js';
import { createPrekey } from '../../src/crypto/prekey.js';
import { startClient } from './helpers/chat-client.js';
import { workspace } from './helpers/workspace.js';

let ws: Awaited<ReturnType<typeof workspace>>;
beforeAll(async () => {
  ws = await workspace();
});
afterAll(async () => {
  await ws?.remove();
});

const bobIdentity = IdentityKey.generate();
const bobPrekey = createPrekey(bobIdentity, 'bob');
const malloryIdentity = IdentityKey.generate();
const malloryPrekey = createPrekey(malloryIdentity, 'bob');

/**
 * A server that accepts any login and answers KEYS bob with `keys` (identity, prekey,
 * signature): a compromised or malicious server. Records every line the client sends.
 */
async function maliciousServer(keys: [string, string, string]) {
  const received: string[] = [];
  const server = net.createServer((socket) => {
    socket.write('HELLO CHAT-MSG/1 totally honest server\n');
    const lines = createInterface({ input: socket });
    lines.on('error', () => {});
    lines.on('line', (line) => {
      received.push(line);
      const [verb, arg] = line.split(' ');
      if (verb === 'AUTH') socket.write(`CHALLENGE ${Buffer.alloc(32, 7).toString('base64')} evil none\n`);
      else if (verb === 'PROVE') socket.write('OK AUTH alice\n');
      else if (verb === 'PREKEY') socket.write('OK PREKEY\n');
      else if (verb === 'KEYS' && arg === 'bob') socket.write(`OK KEYS bob ${keys.join(' ')}\n`);
      else if (verb === 'EMSG') socket.write('OK EMSG bob\n');
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, received, close: () => new Promise((r) => server.close(r)) };
}

/** Alice asks for Bob's keys from a malicious server and ends once `outcome` shows (her verdict on them). */
async function aliceAgainst(keys: [string, string, string], pins: string, outcome: RegExp) {
  const evil = await maliciousServer(keys);
  // One key file per server: each of these servers (all realm "evil") is new to Alice, and her
  // client refuses to sign for a realm it met at another address.
  const alice = startClient(evil.port, ['--key', `${pins}.alice.key`, '--pins', pins, '--id', 'alice'], ws.dir);
  await alice.waitFor(/< OK PREKEY/);
  alice.say('/e bob the plan is on');
  await alice.waitFor(/< OK KEYS bob/);
  // The keys are checked asynchronously (the pin store is a file): wait for the verdict itself.
  await alice.waitFor(outcome);
  // Then give a wrong client every chance to send before we look (a quiet period, not a wait for success).
  alice.say('PING done');
  await alice.waitFor(/> PING done/);
  await sleep(200);
  alice.process.kill();
  await alice.process;
  await evil.close();
  return { alice, sent: evil.received };
}

describe("Alice's client against a server that substitutes Bob's keys", () => {
  it('detects a changed identity key for a pinned Bob, warns loudly and refuses to send', async () => {
    const pins = ws.path('alice-pins-changed.json');
    await (await PinStore.open(pins)).pin('bob', bobIdentity.publicKey);
    const { alice, sent } = await aliceAgainst([malloryIdentity.publicKey, malloryPrekey.publicKey, malloryPrekey.signature], pins, /refusing to send to bob/);
    expect(alice.lines.join('\n')).toMatch(/WARNING: cannot use bob's keys: bob's identity key CHANGED/);
    expect(alice.lines.join('\n')).toMatch(/refusing to send to bob, not sent: the plan is on/);
    await alice.waitForStderr(/identity key CHANGED/);
    expect(sent.filter((line) => line.startsWith('EMSG'))).toEqual([]);
    // The pin is not replaced by the forgery.
    expect((await PinStore.open(pins)).check('bob', bobIdentity.publicKey).status).toBe('match');
  });

  it("detects a prekey that Bob's identity key did not sign, and refuses to send", async () => {
    const pins = ws.path('alice-pins-prekey.json');
    const { alice, sent } = await aliceAgainst([bobIdentity.publicKey, malloryPrekey.publicKey, malloryPrekey.signature], pins, /refusing to send to bob/);
    expect(alice.lines.join('\n')).toMatch(/WARNING: cannot use bob's keys: bob's prekey is not signed by bob's identity key/);
    expect(sent.filter((line) => line.startsWith('EMSG'))).toEqual([]);
  });

  it("sends when the server hands out Bob's genuine keys (the control case)", async () => {
    const pins = ws.path('alice-pins-genuine.json');
    await (await PinStore.open(pins)).pin('bob', bobIdentity.publicKey);
    const { alice, sent } = await aliceAgainst([bobIdentity.publicKey, bobPrekey.publicKey, bobPrekey.signature], pins, /> EMSG bob 1 /);
    expect(alice.lines.join('\n')).not.toMatch(/WARNING/);
    expect(sent.filter((line) => line.startsWith('EMSG bob 1 '))).toHaveLength(1);
  });
});
