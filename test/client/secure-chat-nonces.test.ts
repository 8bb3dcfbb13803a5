import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observeSeals } from '../../src/crypto/aead.js';
import { workspace } from '../secure/helpers/workspace.js';
import { interfere, interference, ScriptedConnection, ScriptedPeer } from './helpers/scripted-server.js';

let ws: Awaited<ReturnType<typeof workspace>>;
beforeAll(async () => {
  ws = await workspace();
});
afterAll(async () => {
  await ws?.remove();
});

/** What a malicious server (or the user) can make happen around Alice's messages to Bob. */
const event = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ kind: 'send' as const }) },
  interference,
  fc.constant({ kind: 'reconnect' as const }),
  /** A new login on the same client (new prekey, same SecureChat). */
  fc.constant({ kind: 'relogin' as const }),
  /** Bob logs in again: KEYS answers carry a new prekey from now on. */
  fc.constant({ kind: 'new-prekey' as const }),
  /** The server answers KEYS with one of Bob's earlier (genuine, signed) prekeys. */
  fc.record({ kind: fc.constant('old-prekey' as const), index: fc.nat() }),
);

let runs = 0;

describe('SecureChat never encrypts twice under one (key, nonce), whatever the server sends', () => {
  it('holds over random sequences of sends, LEFT, JOINED, KEYS answers, /forget and reconnects', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 30 }), async (events) => {
        const keyFile = ws.path(`alice-${runs++}.key`);
        const bob = new ScriptedPeer('bob');
        let served = bob.current;
        const keysFor = () => bob.keysReply(served);
        const used = new Map<string, number>();
        let seals = 0;
        const stop = observeSeals((key, nonce) => {
          seals++;
          const pair = `${key.toString('hex')}/${nonce.toString('hex')}`;
          used.set(pair, (used.get(pair) ?? 0) + 1);
        });
        let alice = new ScriptedConnection('alice', keyFile, keysFor);
        const connections = [alice];
        try {
          await alice.login();
          let sent = 0;
          for (const step of events) {
            switch (step.kind) {
              case 'send':
                alice.chat.command(`/e bob message ${sent++}`);
                break;
              case 'left':
              case 'joined':
              case 'forget':
                interfere(alice, 'bob', step);
                break;
              case 'reconnect':
                alice = new ScriptedConnection('alice', keyFile, keysFor);
                connections.push(alice);
                await alice.login();
                break;
              case 'relogin':
                await alice.login();
                break;
              case 'new-prekey':
                served = bob.newPrekey();
                break;
              case 'old-prekey':
                served = bob.prekeys[step.index % bob.prekeys.length]!;
                break;
            }
            await alice.settle();
          }
          const emsgs = connections.reduce((n, c) => n + c.sent.filter((line) => line.startsWith('EMSG bob ')).length, 0);
          // Not vacuous: every /e went out, each sealed once.
          expect(emsgs).toBe(sent);
          expect(seals).toBe(emsgs);
        } finally {
          stop();
        }
        const reused = [...used].filter(([, count]) => count > 1);
        expect(reused, `(key, nonce) pairs used more than once after ${events.map((e) => e.kind).join(' ')}`).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });
});
