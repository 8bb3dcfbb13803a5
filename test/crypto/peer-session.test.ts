import { describe, expect, it } from 'vitest';
import { open, seal } from '../../src/crypto/aead.js';
import { sessionBetween, user } from './fixtures.js';

function pair() {
  const alice = user('Alice');
  const bob = user('Bob');
  return { toBob: sessionBetween(alice, bob), atBob: sessionBetween(bob, alice), toAlice: sessionBetween(bob, alice), atAlice: sessionBetween(alice, bob) };
}

describe('PeerSession: AES-256-GCM with counters', () => {
  it('delivers messages both ways, and the payload does not contain the text', () => {
    const { toBob, atBob, toAlice, atAlice } = pair();
    const first = toBob.seal('meet at noon');
    expect(first.counter).toBe(1);
    expect(Buffer.from(first.payload, 'base64').toString('latin1')).not.toContain('noon');
    expect(atBob.open(first.counter, first.payload)).toEqual({ ok: true, text: 'meet at noon', missing: 0 });
    const second = toBob.seal('bring the key');
    expect(atBob.open(second.counter, second.payload)).toEqual({ ok: true, text: 'bring the key', missing: 0 });
    const reply = toAlice.seal('ok ✓');
    expect(atAlice.open(reply.counter, reply.payload)).toEqual({ ok: true, text: 'ok ✓', missing: 0 });
  });

  it('rejects a modified ciphertext, and still accepts the genuine message after it', () => {
    const { toBob, atBob } = pair();
    const m = toBob.seal('pay 10 euros');
    const bytes = Buffer.from(m.payload, 'base64');
    bytes[4]! ^= 0x01;
    expect(atBob.open(m.counter, bytes.toString('base64'))).toMatchObject({ ok: false, kind: 'tampered' });
    expect(atBob.open(m.counter, m.payload)).toEqual({ ok: true, text: 'pay 10 euros', missing: 0 });
  });

  it('rejects a replayed message', () => {
    const { toBob, atBob } = pair();
    const m = toBob.seal('once');
    expect(atBob.open(m.counter, m.payload).ok).toBe(true);
    expect(atBob.open(m.counter, m.payload)).toMatchObject({ ok: false, kind: 'replayed', reason: expect.stringMatching(/counter 1, already at 1/) });
  });

  it('rejects a message that arrives after a later one, and reports the gap the later one left', () => {
    const { toBob, atBob } = pair();
    const m1 = toBob.seal('first');
    const m2 = toBob.seal('second');
    const m3 = toBob.seal('third');
    expect(atBob.open(m2.counter, m2.payload)).toEqual({ ok: true, text: 'second', missing: 1 });
    expect(atBob.open(m1.counter, m1.payload)).toMatchObject({ ok: false, kind: 'out-of-order', reason: expect.stringMatching(/counter 1, already at 2/) });
    expect(atBob.open(m3.counter, m3.payload)).toEqual({ ok: true, text: 'third', missing: 0 });
    // Seen once as late, it stays refused; a replay of an accepted one is a replay.
    expect(atBob.open(m1.counter, m1.payload)).toMatchObject({ ok: false, kind: 'out-of-order' });
    expect(atBob.open(m3.counter, m3.payload)).toMatchObject({ ok: false, kind: 'replayed' });
  });

  it('keeps going after messages were dropped on the way (a gap does not stall the conversation)', () => {
    const { toBob, atBob } = pair();
    for (let i = 0; i < 5; i++) toBob.seal(`lost ${i}`);
    const m6 = toBob.seal('made it');
    expect(atBob.open(m6.counter, m6.payload)).toEqual({ ok: true, text: 'made it', missing: 5 });
  });

  it('rejects a changed counter (bound by the AAD and the nonce)', () => {
    const { toBob, atBob } = pair();
    toBob.seal('skipped');
    const m2 = toBob.seal('second');
    expect(atBob.open(1, m2.payload)).toMatchObject({ ok: false, kind: 'tampered' });
  });

  it('rejects a message reflected back to its sender, or meant for someone else', () => {
    const alice = user('Alice');
    const bob = user('Bob');
    const carol = user('Carol');
    const toBob = sessionBetween(alice, bob);
    const m = toBob.seal('for bob');
    // Alice's own session with Bob: reflected ciphertext uses the other direction's key.
    expect(sessionBetween(alice, bob).open(m.counter, m.payload)).toMatchObject({ ok: false, kind: 'tampered' });
    expect(sessionBetween(carol, alice).open(m.counter, m.payload)).toMatchObject({ ok: false, kind: 'tampered' });
  });

  it('binds sender and recipient through the AAD', () => {
    const key = Buffer.alloc(32, 7);
    const sealed = seal(key, { from: 'alice', to: 'bob', counter: 1 }, 'hi');
    expect(open(key, { from: 'alice', to: 'bob', counter: 1 }, sealed)?.toString()).toBe('hi');
    expect(open(key, { from: 'Alice', to: 'BOB', counter: 1 }, sealed)?.toString()).toBe('hi');
    expect(open(key, { from: 'mallory', to: 'bob', counter: 1 }, sealed)).toBeUndefined();
    expect(open(key, { from: 'alice', to: 'carol', counter: 1 }, sealed)).toBeUndefined();
    expect(open(key, { from: 'alice', to: 'bob', counter: 1 }, sealed.subarray(0, 8))).toBeUndefined();
  });

  it('refuses a payload that is not base64, and plaintext with control characters', () => {
    const { toBob, atBob } = pair();
    expect(atBob.open(1, '***')).toMatchObject({ ok: false, kind: 'malformed' });
    const m = toBob.seal('\x1b[2Jboom');
    expect(atBob.open(m.counter, m.payload)).toMatchObject({ ok: false, kind: 'malformed' });
  });
});
