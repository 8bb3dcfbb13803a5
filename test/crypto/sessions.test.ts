import { describe, expect, it } from 'vitest';
import { open, seal } from '../../src/crypto/aead.js';
import { decodePayload } from '../../src/crypto/emsg-payload.js';
import { receiver, sessionTo, user, verified } from './fixtures.js';

/** Alice's session to Bob and Bob's receive state, and the same the other way. */
function pair() {
  const alice = user('Alice');
  const bob = user('Bob');
  const inbox = { bob: receiver(bob), alice: receiver(alice) };
  const from = { alice: verified(alice), bob: verified(bob) };
  const toBob = sessionTo(alice, bob);
  const toAlice = sessionTo(bob, alice);
  return {
    toBob,
    atBob: { open: (counter: number, payload: string) => inbox.bob.open(from.alice, counter, payload) },
    toAlice,
    atAlice: { open: (counter: number, payload: string) => inbox.alice.open(from.bob, counter, payload) },
  };
}

describe('OutboundSession and InboundSessions: AES-256-GCM with counters', () => {
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
    bytes[40]! ^= 0x01;
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

  it('rejects a message reflected back to its sender, meant for someone else, or claimed by another sender', () => {
    const alice = user('Alice');
    const bob = user('Bob');
    const carol = user('Carol');
    const m = sessionTo(alice, bob).seal('for bob');
    // Reflected to Alice as if Bob had sent it: her prekey is not the one it was made for.
    expect(receiver(alice).open(verified(bob), m.counter, m.payload)).toMatchObject({ ok: false, kind: 'tampered' });
    expect(receiver(carol).open(verified(alice), m.counter, m.payload)).toMatchObject({ ok: false, kind: 'tampered' });
    expect(receiver(bob).open(verified(carol), m.counter, m.payload)).toMatchObject({ ok: false, kind: 'tampered' });
    expect(receiver(bob).open(verified(alice), m.counter, m.payload)).toMatchObject({ ok: true, text: 'for bob' });
  });

  it('rejects a message whose ephemeral key was swapped, or made with a stolen prekey but not the identity key', () => {
    const alice = user('Alice');
    const bob = user('Bob');
    const m = sessionTo(alice, bob).seal('genuine');
    const { sealed } = decodePayload(m.payload)!;
    const other = sessionTo(alice, bob).ephemeral;
    expect(receiver(bob).open(verified(alice), m.counter, Buffer.concat([other, sealed]).toString('base64'))).toMatchObject({ ok: false, kind: 'tampered' });
    // Mallory knows Bob's prekey and Alice's public keys, not Alice's identity key: her own identity
    // key in Alice's place gives another key, so a leaked signed prekey alone does not impersonate.
    const mallory = { ...user('Alice'), prekey: alice.prekey };
    const forged = sessionTo(mallory, bob).seal('it is me, alice');
    expect(receiver(bob).open(verified(alice), forged.counter, forged.payload)).toMatchObject({ ok: false, kind: 'tampered' });
  });

  it('keeps the replay window of every session apart, and refuses what an evicted session sent', () => {
    const alice = user('Alice');
    const bob = user('Bob');
    const atBob = receiver(bob, { sessions: 2, retired: 2 });
    const sessions = [0, 1, 2].map(() => sessionTo(alice, bob));
    const firsts = sessions.map((session) => session.seal('hello'));
    for (const m of firsts) expect(atBob.open(verified(alice), m.counter, m.payload)).toMatchObject({ ok: true, missing: 0 });
    // Session 0 was evicted to keep two: its replay is refused as expired, the others as replays.
    expect(atBob.open(verified(alice), firsts[0]!.counter, firsts[0]!.payload)).toMatchObject({ ok: false, kind: 'expired' });
    expect(atBob.open(verified(alice), firsts[2]!.counter, firsts[2]!.payload)).toMatchObject({ ok: false, kind: 'replayed' });
    // A new message of an evicted session is refused too: its window is gone.
    const late = sessions[0]!.seal('after eviction');
    expect(atBob.open(verified(alice), late.counter, late.payload)).toMatchObject({ ok: false, kind: 'expired' });
    // One more session retires session 1; the next needs more room than the limits give: refused.
    const fourth = sessionTo(alice, bob).seal('fourth');
    expect(atBob.open(verified(alice), fourth.counter, fourth.payload)).toMatchObject({ ok: true });
    const fifth = sessionTo(alice, bob).seal('fifth');
    expect(atBob.open(verified(alice), fifth.counter, fifth.payload)).toMatchObject({ ok: false, kind: 'too-many-sessions' });
    const oldReplay = firsts[1]!;
    expect(atBob.open(verified(alice), oldReplay.counter, oldReplay.payload)).toMatchObject({ ok: false, kind: 'expired' });
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
    expect(atBob.open(1, Buffer.alloc(47).toString('base64'))).toMatchObject({ ok: false, kind: 'malformed' });
    const m = toBob.seal('\x1b[2Jboom');
    expect(atBob.open(m.counter, m.payload)).toMatchObject({ ok: false, kind: 'malformed' });
  });
});
