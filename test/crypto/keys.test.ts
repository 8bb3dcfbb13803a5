import { describe, expect, it } from 'vitest';
import { IdentityKey, isIdentityPublicKey, verifyIdentitySignature } from '../../src/crypto/identity.js';
import { OutboundSession } from '../../src/crypto/outbound-session.js';
import { createPrekey, verifyPeerKeys } from '../../src/crypto/prekey.js';
import { LowOrderKeyError } from '../../src/crypto/x25519.js';
import { decodeBase64, publicKeyFromBase64 } from '../../src/crypto/raw-keys.js';
import { sessionTo, user, verified } from './fixtures.js';

describe('raw keys and base64', () => {
  it('decodes strict base64 only', () => {
    expect(decodeBase64('AAEC')).toEqual(Buffer.of(0, 1, 2));
    expect(decodeBase64('AAE=')).toEqual(Buffer.of(0, 1));
    for (const bad of ['AAE', 'AA E', 'AA-_', 'AAF=', '====']) expect(decodeBase64(bad)).toBeUndefined();
  });

  it('imports only 32-byte keys', () => {
    expect(publicKeyFromBase64('Ed25519', Buffer.alloc(31).toString('base64'))).toBeUndefined();
    expect(publicKeyFromBase64('X25519', Buffer.alloc(32, 9).toString('base64'))).toBeDefined();
  });
});

describe('identity keys (Ed25519)', () => {
  it('signs, and the signature verifies only for the same key and data', () => {
    const alice = IdentityKey.generate();
    const mallory = IdentityKey.generate();
    const data = Buffer.from('hello');
    const sig = alice.sign(data);
    expect(verifyIdentitySignature(alice.publicKey, data, sig)).toBe(true);
    expect(verifyIdentitySignature(mallory.publicKey, data, sig)).toBe(false);
    expect(verifyIdentitySignature(alice.publicKey, Buffer.from('hellp'), sig)).toBe(false);
    expect(verifyIdentitySignature(alice.publicKey, data, 'not base64!')).toBe(false);
    expect(verifyIdentitySignature('junk', data, sig)).toBe(false);
  });

  it('round-trips through PEM and publishes 32 raw bytes', () => {
    const key = IdentityKey.generate();
    expect(IdentityKey.fromPem(key.toPem()).publicKey).toBe(key.publicKey);
    expect(decodeBase64(key.publicKey)).toHaveLength(32);
    expect(isIdentityPublicKey(key.publicKey)).toBe(true);
    expect(isIdentityPublicKey('AAAA')).toBe(false);
  });
});

describe('prekeys (X25519 signed by the identity key)', () => {
  it('verifies a genuine bundle', () => {
    const bob = user('Bob');
    expect(verifyPeerKeys({ id: 'bob', identityKey: bob.identity.publicKey, prekey: bob.prekey.publicKey, signature: bob.prekey.signature }).ok).toBe(true);
  });

  it('refuses a substituted prekey, a substituted identity key and another id', () => {
    const bob = user('Bob');
    const mallory = user('Mallory');
    const genuine = { id: 'Bob', identityKey: bob.identity.publicKey, prekey: bob.prekey.publicKey, signature: bob.prekey.signature };
    expect(verifyPeerKeys({ ...genuine, prekey: mallory.prekey.publicKey })).toMatchObject({ ok: false, reason: expect.stringMatching(/not signed/) });
    expect(verifyPeerKeys({ ...genuine, identityKey: mallory.identity.publicKey })).toMatchObject({ ok: false });
    expect(verifyPeerKeys({ ...genuine, id: 'Mallory' })).toMatchObject({ ok: false });
    expect(verifyPeerKeys({ ...genuine, prekey: 'AAAA' })).toMatchObject({ ok: false, reason: expect.stringMatching(/not an X25519/) });
  });

  it('derives the same session key on both sides, and a new one for every session', () => {
    const alice = user('Alice');
    const bob = user('Bob');
    const first = sessionTo(alice, bob);
    const second = sessionTo(alice, bob);
    expect(first.exportKey()).toHaveLength(32);
    expect(first.ephemeral.equals(second.ephemeral)).toBe(false);
    expect(first.exportKey().equals(second.exportKey())).toBe(false);
    // Bob's side is exercised through InboundSessions (sessions.test.ts); the key log line is the same key.
    expect(sessionTo(bob, alice).exportKey().equals(first.exportKey())).toBe(false);
  });

  it('gives fresh keys for every session of the same identity (forward secrecy)', () => {
    const alice = user('Alice');
    const again = createPrekey(alice.identity, 'Alice');
    expect(again.publicKey).not.toBe(alice.prekey.publicKey);
  });

  it('refuses a low-order peer prekey', () => {
    const alice = user('Alice');
    const bob = user('Bob');
    const zero = Buffer.alloc(32);
    const peer = { ...verified(bob), prekey: zero.toString('base64'), agreement: { ...verified(bob).agreement, prekey: publicKeyFromBase64('X25519', zero.toString('base64'))! } };
    expect(() => sessionTo(alice, bob)).not.toThrow();
    expect(() => new OutboundSession({ id: alice.id, identity: alice.identity }, peer)).toThrow(LowOrderKeyError);
  });
});
