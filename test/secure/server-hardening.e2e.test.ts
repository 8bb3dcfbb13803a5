import { execa } from 'execa';
import { readFile, writeFile } from 'node:fs/promises';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { proofSignedData } from '../../src/crypto/challenge.js';
import { IdentityKey } from '../../src/crypto/identity.js';
import { parseServerLine } from '../../src/protocol/index.js';
import { startServer, type RunningServer } from '../helpers/server-process.js';
import { encode } from '../crypto/small-order.js';
import { LineSocket } from '../server/line-socket.js';
import { startClient, type ChatClient } from './helpers/chat-client.js';
import { workspace } from './helpers/workspace.js';

const MAKE_LAB_CA = fileURLToPath(new URL('../../scripts/make-lab-ca.sh', import.meta.url));

let ws: Awaited<ReturnType<typeof workspace>>;
let server: RunningServer | undefined;
const sockets: LineSocket[] = [];
const clients: ChatClient[] = [];

beforeAll(async () => {
  ws = await workspace();
  await execa(MAKE_LAB_CA, [ws.path('pki')]);
});
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const client of clients.splice(0)) client.process.kill();
  await server?.stop();
  server = undefined;
});
afterAll(async () => {
  await ws?.remove();
});

async function connect(port: number): Promise<LineSocket> {
  const socket = await LineSocket.connect(port);
  sockets.push(socket);
  await socket.waitFor(/^HELLO /);
  return socket;
}

/** Answers the socket's CHALLENGE (read now unless given) with `key`'s proof for REGISTER `id`. */
async function proveRegister(socket: LineSocket, id: string, key: IdentityKey, challenge?: string, channelBinding = ''): Promise<void> {
  const pdu = parseServerLine(challenge ?? (await socket.waitFor(/^CHALLENGE /)));
  if (pdu.kind !== 'CHALLENGE') throw new Error('no challenge');
  const data = proofSignedData({ purpose: 'REGISTER', realm: pdu.realm, id, identityKey: key.publicKey, challenge: pdu.challenge, channelBinding });
  socket.send(`PROVE ${key.sign(data)}\n`);
}

describe('secure server hardening (real server processes, real sockets)', () => {
  it('--require-tls-login refuses REGISTER and AUTH from a plain-TCP client with ERR 426, plain LOGIN still works', async () => {
    server = await startServer(['--require-tls-login']);
    expect(server.log()).toMatch(/every REGISTER and AUTH is refused/);
    const client = startClient(server.port, ['--key', ws.path('plain.key')], ws.dir);
    clients.push(client);
    client.say('/register bob');
    await client.waitFor(/< ERR 426 this server takes REGISTER and AUTH over TLS only: reconnect with TLS/);
    const raw = await connect(server.port);
    await raw.request('AUTH bob', /^ERR 426 /);
    // Nothing leaks before the refusal: a registered and an unknown id get the same answer.
    await raw.request('REGISTER nobody AAAA', /^ERR 4\d\d /);
    await raw.request('LOGIN carol', 'OK LOGIN carol');
  });

  it('--require-tls-login lets a TLS client register', async () => {
    server = await startServer(['--require-tls-login', '--tls', '--cert', ws.path('pki/server.crt'), '--key', ws.path('pki/server.key')]);
    expect(server.log()).toMatch(/REGISTER and AUTH over TLS only/);
    const client = startClient(server.port, ['--tls', '--ca', ws.path('pki/ca.crt'), '--key', ws.path('tls.key')], ws.dir);
    clients.push(client);
    client.say('/register tina');
    await client.waitFor(/< OK REGISTER tina/);
  });

  it("makes a relayed login proof useless: the issue's relay attack against --tls --require-tls-login, and without it", async () => {
    const ca = await readFile(ws.path('pki/ca.crt'));
    const victimKey = IdentityKey.generate();
    /** What the victim's client signs for a CHALLENGE a fake server forwarded to it over plain TCP (no channel binding). */
    const victimSigns = (challengeLine: string) => {
      const pdu = parseServerLine(challengeLine);
      if (pdu.kind !== 'CHALLENGE') throw new Error(challengeLine);
      return victimKey.sign(proofSignedData({ purpose: 'AUTH', realm: pdu.realm, id: 'vic', identityKey: victimKey.publicKey, challenge: pdu.challenge, channelBinding: '' }));
    };
    const bindingOf = (socket: LineSocket) => (socket.socket as TLSSocket).exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0)).toString('base64');

    server = await startServer(['--require-tls-login', '--tls', '--cert', ws.path('pki/server.crt'), '--key', ws.path('pki/server.key')]);
    const victim = await LineSocket.connectTls(server.port, ca);
    sockets.push(victim);
    await victim.waitFor(/^HELLO /);
    await proveRegister(victim, 'vic', victimKey, await victim.request(`REGISTER vic ${victimKey.publicKey}`, /^CHALLENGE /), bindingOf(victim));
    await victim.waitFor('OK REGISTER vic');
    await victim.request('LOGOFF vic', 'OK LOGOFF vic');
    // The attacker over TLS: the proof the victim made for the fake server is bound to no channel, the server expects the attacker's.
    const overTls = await LineSocket.connectTls(server.port, ca);
    sockets.push(overTls);
    await overTls.waitFor(/^HELLO /);
    const challenge = await overTls.request('AUTH vic', /^CHALLENGE \S+ \S+ tls-exporter$/);
    await overTls.request(`PROVE ${victimSigns(challenge)}`, /^ERR 421 proof of key possession failed/);
    await server.stop();

    // The same relay against a server that takes logins over plain TCP succeeds: what the option is for.
    server = await startServer([]);
    const owner = await connect(server.port);
    await proveRegister(owner, 'vic', victimKey, await owner.request(`REGISTER vic ${victimKey.publicKey}`, /^CHALLENGE /));
    await owner.waitFor('OK REGISTER vic');
    owner.destroy();
    const attacker = await connect(server.port);
    const plainChallenge = await attacker.request('AUTH vic', /^CHALLENGE \S+ \S+ none$/);
    await attacker.request(`PROVE ${victimSigns(plainChallenge)}`, 'OK AUTH vic');
  });

  it("refuses the issue's weak-key attack over the wire: identity point as key, R = identity and S = 0", async () => {
    server = await startServer([]);
    const attacker = await connect(server.port);
    await attacker.request(`REGISTER weakid ${encode(1n).toString('base64')}`, /^ERR 425 .*identity-key: small order$/);
    await attacker.request(`PROVE ${Buffer.concat([encode(1n), Buffer.alloc(32)]).toString('base64')}`, /^ERR 421 .*no challenge pending/);
    await attacker.request('AUTH weakid', /^ERR 423 /);
  });

  it('names the weak keys an old registry file holds when it starts, and they do not log in', async () => {
    const file = ws.path('old-registry.json');
    const weak = encode(1n).toString('base64');
    await writeFile(file, JSON.stringify({ version: 1, users: { weakid: { id: 'weakid', identityKey: weak, registered: '2026-01-01T00:00:00.000Z' } } }));
    server = await startServer(['--registry', file]);
    expect(server.log()).toMatch(/1 registered ids have a weak identity key and can never log in \(remove them from the registry\): weakid/);
    const attacker = await connect(server.port);
    await attacker.request('AUTH weakid', /^CHALLENGE /);
    await attacker.request(`PROVE ${Buffer.concat([encode(1n), Buffer.alloc(32)]).toString('base64')}`, /^ERR 421 /);
  });

  it("keeps a keyless squatter out between REGISTER and PROVE (the issue's interleaving)", async () => {
    server = await startServer([]);
    const key = IdentityKey.generate();
    const owner = await connect(server.port);
    const challenge = await owner.request(`REGISTER dave ${key.publicKey}`, /^CHALLENGE /);
    const squatter = await connect(server.port);
    await squatter.request('LOGIN dave', 'ERR 409 id already online: dave is being registered');
    await proveRegister(owner, 'dave', key, challenge);
    await owner.waitFor('OK REGISTER dave');
    await squatter.request('LOGIN dave', /^ERR 420 /);
  });

  it('limits registrations per address across connections (--register-limit)', async () => {
    server = await startServer(['--register-limit', '2', '--max-registered', '50']);
    expect(server.log()).toMatch(/at most 50 ids, 2 registrations per address per hour/);
    const key = IdentityKey.generate();
    for (const id of ['p1', 'p2']) {
      const socket = await connect(server.port);
      socket.send(`REGISTER ${id} ${key.publicKey}\n`);
      await proveRegister(socket, id, key);
      await socket.waitFor(`OK REGISTER ${id}`);
    }
    const third = await connect(server.port);
    await third.request(`REGISTER p3 ${key.publicKey}`, 'ERR 427 too many registrations from your address, try later');
  });

  it('caps the registry, also without --registry (--max-registered)', async () => {
    server = await startServer(['--max-registered', '1']);
    expect(server.log()).toMatch(/registry in memory only/);
    const key = IdentityKey.generate();
    const first = await connect(server.port);
    first.send(`REGISTER m1 ${key.publicKey}\n`);
    await proveRegister(first, 'm1', key);
    await first.waitFor('OK REGISTER m1');
    const second = await connect(server.port);
    await second.request(`REGISTER m2 ${key.publicKey}`, 'ERR 508 the registry is full: no new ids: 1 ids');
    await second.request('LOGIN m2', 'OK LOGIN m2');
  });
});
