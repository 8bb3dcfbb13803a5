import { describe, expect, it } from 'vitest';
import { proofSignedData } from '../../src/crypto/challenge.js';
import { IdentityKey } from '../../src/crypto/identity.js';
import { createPrekey } from '../../src/crypto/prekey.js';
import { parseRequest, parseServerLine } from '../../src/protocol/index.js';
import { Logger } from '../../src/server/logger.js';
import { Router } from '../../src/server/router.js';
import { secureVerbs } from '../../src/server/secure-verbs.js';
import { Session } from '../../src/server/session.js';
import { FakeLink, prove, REALM, registered, settle, world } from './helpers/secure-world.js';

describe('secure verbs', () => {
  it('registers with proof of possession, then refuses plain LOGIN and accepts AUTH', async () => {
    const w = world();
    const alice = await registered(w, 'Alice');
    expect(w.registry.get('alice')?.identityKey).toBe(alice.key.publicKey);
    alice.say('LOGOFF Alice');
    alice.session.closed('closed by server');

    const plain = w.connect();
    plain.say('LOGIN alice');
    expect(plain.link.take()).toEqual(['ERR 420 this id is registered: log in with AUTH and its key: AUTH Alice']);
    expect(plain.session.state).toBe('connected');

    const again = w.connect();
    again.say('AUTH alice');
    prove(again, 'AUTH', 'Alice', alice.key);
    expect(again.link.take()).toEqual(['OK AUTH Alice']);
    expect(again.session.id).toBe('Alice');
  });

  it('refuses an impostor: wrong key at AUTH, replayed proof, REGISTER over the id', async () => {
    const w = world();
    const alice = await registered(w, 'alice');
    alice.session.closed('gone');
    const mallory = IdentityKey.generate();

    const impostor = w.connect();
    impostor.say('AUTH alice');
    prove(impostor, 'AUTH', 'alice', mallory, alice.key.publicKey);
    expect(impostor.link.take()).toEqual([expect.stringMatching(/^ERR 421 proof of key possession failed/)]);
    expect(impostor.session.state).toBe('connected');
    impostor.say(`PROVE ${mallory.sign(Buffer.from('x'))}`);
    expect(impostor.link.take()).toEqual([expect.stringMatching(/^ERR 421 .*no challenge pending/)]);

    // A proof observed on one connection is useless on another: the challenge differs.
    const genuine = w.connect();
    genuine.say('AUTH alice');
    const challengeLine = genuine.link.take()[0]!;
    const pdu = parseServerLine(challengeLine);
    if (pdu.kind !== 'CHALLENGE') throw new Error(challengeLine);
    const stolen = alice.key.sign(proofSignedData({ purpose: 'AUTH', realm: REALM, id: 'alice', identityKey: alice.key.publicKey, challenge: pdu.challenge, channelBinding: '' }));
    const replayer = w.connect();
    replayer.say('AUTH alice');
    replayer.link.take();
    replayer.say(`PROVE ${stolen}`);
    expect(replayer.link.take()).toEqual([expect.stringMatching(/^ERR 421 /)]);

    const overwriter = w.connect();
    overwriter.say(`REGISTER ALICE ${mallory.publicKey}`);
    expect(overwriter.link.take()).toEqual([expect.stringMatching(/^ERR 422 this id is already registered to a key: ALICE/)]);
    expect(w.registry.get('alice')?.identityKey).toBe(alice.key.publicKey);
  });

  it('binds a proof to its purpose: a REGISTER signature is no AUTH signature', async () => {
    const w = world();
    const key = IdentityKey.generate();
    const client = w.connect();
    client.say(`REGISTER carol ${key.publicKey}`);
    prove(client, 'AUTH', 'carol', key);
    await settle();
    expect(client.link.take()).toEqual([expect.stringMatching(/^ERR 421 /)]);
    expect(w.registry.get('carol')).toBeUndefined();
  });

  it('hands out signed keys and routes EMSG without logging the payload', async () => {
    const w = world();
    const alice = await registered(w, 'alice');
    const bob = await registered(w, 'Bob');
    alice.link.take();
    alice.say('KEYS bob');
    expect(alice.link.take()).toEqual([`OK KEYS Bob ${bob.key.publicKey} ${bob.prekey.publicKey} ${bob.prekey.signature}`]);
    alice.say('EMSG bob 1 U0VDUkVUUEFZTE9BRA==');
    expect(alice.link.take()).toEqual(['OK EMSG Bob']);
    expect(bob.link.take()).toEqual(['EMSG alice Bob 1 U0VDUkVUUEFZTE9BRA==']);
    expect(w.log.join('')).not.toContain('U0VDUkVUUEFZTE9BRA');
    expect(w.log.join('')).toMatch(/alice EMSG bob #1/);
    expect(w.log.join('')).toMatch(/ Bob registered Bob\n/);
  });

  it('refuses EMSG and PREKEY from plain logins, KEYS of ids without keys, and bad prekey signatures', async () => {
    const w = world();
    const alice = await registered(w, 'alice');
    const plain = w.connect();
    plain.say('LOGIN dave');
    plain.link.take();
    plain.say('EMSG alice 1 AAAA');
    plain.say(`PREKEY ${alice.prekey.publicKey} ${alice.prekey.signature}`);
    expect(plain.link.take()).toEqual([expect.stringMatching(/^ERR 420 /), expect.stringMatching(/^ERR 420 /)]);
    alice.link.take();
    alice.say('KEYS dave');
    alice.say('KEYS nobody');
    alice.say('EMSG dave 1 AAAA');
    const other = createPrekey(IdentityKey.generate(), 'alice');
    alice.say(`PREKEY ${other.publicKey} ${other.signature}`);
    // Syntactically base64 of 32 bytes, but with padding bits set: not a key encoding.
    alice.say(`PREKEY ${'A'.repeat(42)}B= ${other.signature}`);
    expect(alice.link.take()).toEqual([
      expect.stringMatching(/^ERR 424 .*dave/),
      expect.stringMatching(/^ERR 404 /),
      expect.stringMatching(/^ERR 424 /),
      expect.stringMatching(/^ERR 421 .*prekey signature/),
      expect.stringMatching(/^ERR 400 .*canonical/),
    ]);
  });

  it('is absent from a server without the extension: its verbs are unknown there', () => {
    const link = new FakeLink('127.0.0.1:9');
    const session = new Session({ link, router: new Router(), logger: new Logger({ logText: false, write: () => {} }) });
    session.receive(parseRequest(Buffer.from('AUTH alice')));
    expect(link.take()).toEqual(['ERR 400 malformed request: unknown verb AUTH']);
  });

  it('binds the proof to the TLS channel: a signature for another channel fails', async () => {
    const w = world();
    const key = IdentityKey.generate();
    const link = Object.assign(new FakeLink('127.0.0.1:7'), { channelBinding: () => Buffer.alloc(32, 9).toString('base64') });
    const session = new Session({ link, router: new Router(), logger: new Logger({ logText: false, write: () => {} }), verbs: secureVerbs({ registry: w.registry, realm: REALM }) });
    session.receive(parseRequest(Buffer.from(`REGISTER tina ${key.publicKey}`)));
    const pdu = parseServerLine(link.take()[0]!);
    if (pdu.kind !== 'CHALLENGE') throw new Error('no challenge');
    expect(pdu.binding).toBe('tls-exporter');
    const context = { purpose: 'REGISTER' as const, realm: REALM, id: 'tina', identityKey: key.publicKey, challenge: pdu.challenge };
    session.receive(parseRequest(Buffer.from(`PROVE ${key.sign(proofSignedData({ ...context, channelBinding: '' }))}`)));
    await settle();
    expect(link.take()).toEqual([expect.stringMatching(/^ERR 421 /)]);
    session.receive(parseRequest(Buffer.from(`REGISTER tina ${key.publicKey}`)));
    const again = parseServerLine(link.take()[0]!);
    if (again.kind !== 'CHALLENGE') throw new Error('no challenge');
    session.receive(parseRequest(Buffer.from(`PROVE ${key.sign(proofSignedData({ ...context, challenge: again.challenge, channelBinding: link.channelBinding() }))}`)));
    await settle();
    expect(link.take()).toEqual(['OK REGISTER tina']);
  });

  it('lists the extension verbs in HELP', () => {
    const w = world();
    const client = w.connect();
    client.say('HELP');
    expect(client.link.take()).toEqual(['OK HELP LOGIN MSG LOGOFF LIST PING HELP REGISTER AUTH PROVE PREKEY KEYS EMSG']);
  });
});
