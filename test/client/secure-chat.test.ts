import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecureChat, type SecureChatOptions } from '../../src/client/secure-chat.js';
import { prekeySignedData } from '../../src/crypto/prekey.js';
import { ScriptedConnection, ScriptedPeer } from './helpers/scripted-server.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chatmsg-secure-chat-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A SecureChat whose sends are echoed as sent at once (like a connected ChatConnection). */
function chat(channelBinding = '', options: Partial<SecureChatOptions> = {}) {
  const sent: string[] = [];
  const notices: string[] = [];
  const warnings: string[] = [];
  const secure: SecureChat = new SecureChat(
    { keyFile: join(dir, 'me.key'), server: '127.0.0.1:5151', ...options },
    {
      send: (line) => {
        sent.push(line);
        secure.sent(line);
      },
      notice: (text) => notices.push(text),
      warn: (text) => warnings.push(text),
      channelBinding: () => channelBinding,
    },
  );
  return { secure, sent, notices, warnings };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await sleep(5);
  expect(condition()).toBe(true);
};

describe('SecureChat (client side, no sockets)', () => {
  it('proves a challenge on plain TCP, and on TLS refuses a server that will not bind the proof to the channel', async () => {
    const plain = chat();
    expect(plain.secure.command('/auth alice')).toBe(true);
    await until(() => plain.sent.length === 1);
    expect(plain.sent).toEqual(['AUTH alice']);
    plain.secure.received(`CHALLENGE ${Buffer.alloc(32).toString('base64')} lab none`);
    await until(() => plain.sent.length === 2);
    expect(plain.sent[1]).toMatch(/^PROVE \S{88}$/);

    const tls = chat(Buffer.alloc(32, 1).toString('base64'));
    tls.secure.command('/auth alice');
    await until(() => tls.sent.length === 1);
    tls.secure.received(`CHALLENGE ${Buffer.alloc(32).toString('base64')} lab none`);
    await until(() => tls.warnings.length === 1);
    expect(tls.sent).toEqual(['AUTH alice']);
    expect(tls.warnings.join('\n')).toMatch(/does not bind the login to our TLS connection/);
  });

  it('leaves protocol lines alone and explains misuse of slash commands', async () => {
    const { secure, sent, notices } = chat();
    expect(secure.command('MSG bob hi')).toBe(false);
    secure.command('/frob');
    secure.command('/e bob');
    secure.command('/safety bob');
    await until(() => notices.length === 3);
    expect(notices).toEqual([
      '/frob: unknown command; /help lists them',
      '/e: usage: /e <id> <text>',
      expect.stringMatching(/^\/safety: no pinned key for bob/),
    ]);
    expect(sent).toEqual([]);
    secure.command('/e bob early bird');
    await until(() => notices.length === 4);
    expect(notices[3]).toMatch(/not logged in securely yet/);
    expect(secure.busy()).toBe(true);
  });

  const challenge = (realm: string) => `CHALLENGE ${Buffer.alloc(32, 3).toString('base64')} ${realm} none`;

  /** Starts /auth alice, answers it with `challenge`, and waits until the client proved or refused. */
  async function authAgainst(client: ReturnType<typeof chat>, realm: string): Promise<boolean> {
    const before = client.sent.length;
    const warned = client.warnings.length;
    client.secure.command('/auth alice');
    await until(() => client.sent.length === before + 1);
    client.secure.received(challenge(realm));
    await until(() => client.sent.length === before + 2 || client.warnings.length > warned);
    await until(() => !client.secure.busy() || client.sent.length === before + 2);
    return client.sent.length === before + 2 && client.sent.at(-1)!.startsWith('PROVE ');
  }

  it('pins the realm at first login, and refuses, loudly, a changed realm or a realm pinned to another server', async () => {
    const first = chat('', { server: '10.0.0.1:5151' });
    expect(await authAgainst(first, 'lab')).toBe(true);
    expect(first.notices.join('\n')).toMatch(/first login at 10\.0\.0\.1:5151: pinned its realm lab in .*me\.key\.realms\.json/);
    const file = JSON.parse(await readFile(join(dir, 'me.key.realms.json'), 'utf8'));
    expect(file).toEqual({ version: 1, servers: { '10.0.0.1:5151': { realm: 'lab', since: expect.any(String) } } });

    // The same server again (a new client process): same realm, proved without a word.
    const again = chat('', { server: '10.0.0.1:5151' });
    expect(await authAgainst(again, 'lab')).toBe(true);
    expect(again.warnings).toEqual([]);

    const renamed = chat('', { server: '10.0.0.1:5151' });
    expect(await authAgainst(renamed, 'lab2')).toBe(false);
    expect(renamed.warnings.join('\n')).toMatch(/WARNING: 10\.0\.0\.1:5151 announced realm lab2, but it announced lab when first seen .*Not proving/);

    // A relay: another address forwarding the real server's challenge, realm and all.
    const relay = chat('', { server: '10.6.6.6:5151' });
    expect(await authAgainst(relay, 'lab')).toBe(false);
    expect(relay.warnings.join('\n')).toMatch(/WARNING: realm lab belongs to 10\.0\.0\.1:5151 .*but this server is 10\.6\.6\.6:5151.*Not proving/);
    expect(relay.sent.filter((line) => line.startsWith('PROVE'))).toEqual([]);

    // Only a deliberate /forget-realm (the server really moved) lets the new address in.
    relay.secure.command('/forget-realm lab');
    await until(() => relay.notices.some((notice) => /forgot realm lab \(1 server/.test(notice)));
    expect(await authAgainst(relay, 'lab')).toBe(true);
  });

  it('keeps realm pins in memory only when told, and refuses to prove outside TLS with --require-tls', async () => {
    const memory = chat('', { realmsInMemory: true });
    expect(await authAgainst(memory, 'lab')).toBe(true);
    await expect(readFile(join(dir, 'me.key.realms.json'), 'utf8')).rejects.toThrow(/ENOENT/);

    const plain = chat('', { requireTls: true });
    expect(await authAgainst(plain, 'lab')).toBe(false);
    expect(plain.warnings.join('\n')).toMatch(/--require-tls: this connection is not TLS.*Not proving/);

    const tls = chat(Buffer.alloc(32, 1).toString('base64'), { requireTls: true });
    tls.secure.command('/auth alice');
    await until(() => tls.sent.length === 1);
    tls.secure.received(`CHALLENGE ${Buffer.alloc(32).toString('base64')} lab tls-exporter`);
    await until(() => tls.sent.length === 2);
    expect(tls.sent[1]).toMatch(/^PROVE /);
  });

  it('refuses, loudly, a peer prekey of low order even when its owner signed it, and sends nothing', async () => {
    const bob = new ScriptedPeer('bob');
    const zero = Buffer.alloc(32);
    const signature = bob.identity.sign(prekeySignedData('bob', zero));
    const alice = new ScriptedConnection('alice', join(dir, 'alice.key'), () => `OK KEYS bob ${bob.identity.publicKey} ${zero.toString('base64')} ${signature}`);
    await alice.login();
    alice.chat.command('/e bob secret plans');
    await alice.settle();
    expect(alice.warnings.join('\n')).toMatch(/WARNING: cannot use bob's keys: a key is a low-order point.*\n.*refusing to send to bob, not sent: secret plans/);
    expect(alice.sent.filter((line) => line.startsWith('EMSG'))).toEqual([]);
  });

  it('holds a bounded number of messages while a sender\'s keys are fetched', async () => {
    const bob = new ScriptedPeer('bob');
    const alice = new ScriptedConnection('alice', join(dir, 'alice.key'), () => bob.keysReply());
    await alice.login();
    // Delivered straight, without settling: the KEYS reply stays queued, as on a slow server.
    for (let i = 0; i < 300; i++) alice.chat.received(`EMSG bob alice ${i + 1} ${Buffer.alloc(64).toString('base64')}`);
    expect(alice.warnings.filter((warning) => /dropped an e2e message from bob: 256 already wait/.test(warning))).toHaveLength(44);
  });
});
