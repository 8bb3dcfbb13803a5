import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadIdentity } from '../../src/crypto/key-file.js';
import { OutboundSession } from '../../src/crypto/outbound-session.js';
import { verifyPeerKeys } from '../../src/crypto/prekey.js';
import { workspace } from '../secure/helpers/workspace.js';
import { interfere, interference, ScriptedConnection, ScriptedPeer } from './helpers/scripted-server.js';

let ws: Awaited<ReturnType<typeof workspace>>;
beforeAll(async () => {
  ws = await workspace();
});
afterAll(async () => {
  await ws?.remove();
});

/** What Bob, a malicious server or Alice herself can make happen while Bob writes to Alice. */
const event = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'fresh' as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('replay' as const), index: fc.nat() }) },
  interference,
  /** Bob logs in again: new prekey, new session. */
  fc.constant({ kind: 'bob-reconnects' as const }),
  /** Alice's client restarts (a new SecureChat, a new prekey). */
  fc.constant({ kind: 'alice-reconnects' as const }),
  /** Alice logs in again on the same client: a new prekey in the same SecureChat. */
  fc.constant({ kind: 'alice-relogs' as const }),
);

const accepted = /^e2e from bob #\d+: (.*)$/;
let runs = 0;

describe('SecureChat accepts a message once, across LEFT, JOINED, /forget and reconnects', () => {
  it('refuses every replay with a visible warning, and accepts every fresh message exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 30 }), async (events) => {
        const keyFile = ws.path(`alice-${runs++}.key`);
        const bob = new ScriptedPeer('bob');
        let alice = new ScriptedConnection('alice', keyFile, () => bob.keysReply());
        await alice.login();
        const aliceIdentity = (await loadIdentity(keyFile)).publicKey;
        const connections = [alice];
        /** Bob's session to Alice's current prekey; a new one when either side logs in again. */
        let session: OutboundSession | undefined;
        const history: string[] = [];
        const shownAt = () => connections.flatMap((c) => c.notices).map((notice) => accepted.exec(notice)?.[1]).filter((text) => text !== undefined);
        let fresh = 0;
        for (const step of events) {
          const warningsBefore = alice.warnings.length;
          switch (step.kind) {
            case 'fresh': {
              if (session === undefined) {
                const prekey = alice.publishedPrekey();
                const keys = { id: 'alice', identityKey: aliceIdentity, prekey, signature: alice.sent.find((l) => l.startsWith(`PREKEY ${prekey} `))!.split(' ')[2]! };
                const verified = verifyPeerKeys(keys);
                if (!verified.ok) throw new Error(verified.reason);
                session = new OutboundSession({ id: 'bob', identity: bob.identity }, { ...keys, agreement: verified.agreement });
              }
              const text = `fresh ${fresh++}`;
              const { counter, payload } = session.seal(text);
              const line = `EMSG bob alice ${counter} ${payload}`;
              history.push(line);
              alice.inject(line);
              await alice.settle();
              expect(shownAt().filter((shown) => shown === text), `fresh message ${text} accepted once`).toHaveLength(1);
              break;
            }
            case 'replay': {
              if (history.length === 0) break;
              const shownBefore = shownAt().length;
              alice.inject(history[step.index % history.length]!);
              await alice.settle();
              expect(shownAt().length, 'a replay was shown as a message').toBe(shownBefore);
              expect(alice.warnings.slice(warningsBefore).join('\n')).toMatch(/REJECTED e2e message from bob: (replayed|out-of-order|message failed authentication)/);
              break;
            }
            case 'left':
            case 'joined':
            case 'forget':
              interfere(alice, 'bob', step);
              break;
            case 'bob-reconnects':
              bob.newPrekey();
              session = undefined;
              break;
            case 'alice-relogs':
              await alice.login();
              session = undefined;
              break;
            case 'alice-reconnects':
              alice = new ScriptedConnection('alice', keyFile, () => bob.keysReply());
              connections.push(alice);
              await alice.login();
              session = undefined;
              break;
          }
          await alice.settle();
        }
        const shown = shownAt();
        expect(new Set(shown).size, `some message was accepted twice: ${shown.join(', ')}`).toBe(shown.length);
      }),
      { numRuns: 60 },
    );
  });
});
