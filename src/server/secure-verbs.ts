import { newChallenge, proofSignedData, type ProofContext } from '../crypto/challenge.js';
import { isIdentityPublicKey, verifyIdentitySignature } from '../crypto/identity.js';
import { prekeySignedData } from '../crypto/prekey.js';
import { decodeBase64 } from '../crypto/raw-keys.js';
import { clientIdKey, encodeServer } from '../protocol/index.js';
import type { Registry } from './registry.js';
import type { Member } from './router.js';
import type { Session } from './session.js';
import { CORE_VERBS, type VerbTable } from './verbs.js';

/** A challenge sent and not yet answered; single use. */
type PendingProof = Omit<ProofContext, 'channelBinding'>;

/** What the extension remembers per connection, next to the session. */
interface SecureState {
  pending?: PendingProof;
  /** Logged in by REGISTER or AUTH (a plain LOGIN never sets it). */
  authenticated: boolean;
}

/** A session's published prekey, valid while that member is online. */
interface PublishedPrekey {
  member: Member;
  prekey: string;
  signature: string;
}

export interface SecureOptions {
  registry: Registry;
  /** Names this server in every login proof, so a proof made for one server is useless on another. */
  realm: string;
}

/**
 * The verb table of the secure extension (docs/PROTOCOL.md section 9): the base verbs, LOGIN
 * refused for registered ids, and REGISTER, AUTH, PROVE, PREKEY, KEYS, EMSG. The server routes
 * EMSG payloads as opaque base64; it never holds a key that could decrypt them.
 */
export function secureVerbs({ registry, realm }: SecureOptions): VerbTable {
  const states = new WeakMap<Session, SecureState>();
  const prekeys = new Map<string, PublishedPrekey>();
  const stateOf = (session: Session): SecureState => {
    let state = states.get(session);
    if (state === undefined) {
      state = { authenticated: false };
      states.set(session, state);
    }
    return state;
  };
  const challenge = (session: Session, pending: PendingProof) => {
    stateOf(session).pending = pending;
    const binding = session.channelBinding === '' ? 'none' : 'tls-exporter';
    session.reply(encodeServer.challenge(pending.challenge, realm, binding));
  };
  const loggedInSecurely = (session: Session, verb: 'REGISTER' | 'AUTH', id: string) => {
    if (!session.enter(id)) {
      session.fail('CONFLICT', id, verb);
      return;
    }
    stateOf(session).authenticated = true;
    // The audit trail: who proved which key, and when (the key itself is in the registry).
    session.log(verb === 'REGISTER' ? 'registered' : 'authenticated', id);
    session.reply(encodeServer.ok(verb, id));
  };

  return {
    ...CORE_VERBS,

    LOGIN: {
      ...CORE_VERBS.LOGIN,
      handle(session, request) {
        const registered = registry.get(request.id);
        if (registered !== undefined) {
          session.fail('AUTH_REQUIRED', `AUTH ${registered.id}`, 'LOGIN');
          return;
        }
        CORE_VERBS.LOGIN.handle(session, request);
      },
    },

    REGISTER: {
      when: 'logged-out',
      describe: (request) => ({ detail: request.id }),
      handle(session, { id, identityKey }) {
        if (registry.get(id) !== undefined) {
          session.fail('ALREADY_REGISTERED', id, 'REGISTER');
        } else if (session.router.find(id) !== undefined) {
          session.fail('CONFLICT', `${id} is online`, 'REGISTER');
        } else if (!isIdentityPublicKey(identityKey)) {
          session.fail('MALFORMED', 'identity-key is not an Ed25519 public key', 'REGISTER');
        } else {
          challenge(session, { purpose: 'REGISTER', realm, id, identityKey, challenge: newChallenge() });
        }
      },
    },

    AUTH: {
      when: 'logged-out',
      describe: (request) => ({ detail: request.id }),
      handle(session, { id }) {
        const registered = registry.get(id);
        if (registered === undefined) {
          session.fail('NOT_REGISTERED', `${id} (LOGIN works for it)`, 'AUTH');
          return;
        }
        challenge(session, { purpose: 'AUTH', realm, id: registered.id, identityKey: registered.identityKey, challenge: newChallenge() });
      },
    },

    PROVE: {
      when: 'logged-out',
      handle(session, { signature }) {
        const state = stateOf(session);
        const pending = state.pending;
        // Single use: whatever happens now, this challenge is spent.
        delete state.pending;
        if (pending === undefined) {
          session.fail('AUTH_FAILED', 'no challenge pending: send AUTH or REGISTER first', 'PROVE');
          return;
        }
        const signed = proofSignedData({ ...pending, channelBinding: session.channelBinding });
        if (!verifyIdentitySignature(pending.identityKey, signed, signature)) {
          session.fail('AUTH_FAILED', `signature does not verify with ${pending.id}'s key`, pending.purpose);
          return;
        }
        if (pending.purpose === 'AUTH') {
          loggedInSecurely(session, 'AUTH', pending.id);
          return;
        }
        registry.register(pending.id, pending.identityKey).then(
          (outcome) => {
            if (session.state === 'closed') return;
            if (outcome === 'taken') session.fail('ALREADY_REGISTERED', pending.id, 'REGISTER');
            else loggedInSecurely(session, 'REGISTER', pending.id);
          },
          (error: Error) => {
            session.log('registry write failed', error.message);
            if (session.state !== 'closed') session.fail('STORAGE_FAILED', undefined, 'REGISTER');
          },
        );
      },
    },

    PREKEY: {
      when: 'logged-in',
      handle(session, { prekey, signature }) {
        const member = session.member!;
        const registered = registry.get(member.id);
        if (!stateOf(session).authenticated || registered === undefined) {
          session.fail('AUTH_REQUIRED', 'PREKEY needs a login by AUTH or REGISTER', 'PREKEY');
          return;
        }
        const raw = decodeBase64(prekey);
        if (raw === undefined) {
          session.fail('MALFORMED', 'prekey is not canonical base64', 'PREKEY');
          return;
        }
        // Recipients verify this signature themselves; checking it here keeps junk off the server.
        if (!verifyIdentitySignature(registered.identityKey, prekeySignedData(member.id, raw), signature)) {
          session.fail('AUTH_FAILED', 'prekey signature does not verify', 'PREKEY');
          return;
        }
        prekeys.set(clientIdKey(member.id), { member, prekey, signature });
        session.reply(encodeServer.ok('PREKEY'));
      },
    },

    KEYS: {
      when: 'logged-in',
      describe: (request) => ({ detail: request.id }),
      handle(session, { id }) {
        const member = session.router.find(id);
        if (member === undefined) {
          session.fail('NOT_FOUND', id, 'KEYS');
          return;
        }
        const published = prekeys.get(clientIdKey(id));
        const registered = registry.get(id);
        if (published?.member !== member || registered === undefined) {
          session.fail('NO_KEYS', member.id, 'KEYS');
          return;
        }
        session.reply(encodeServer.ok('KEYS', member.id, registered.identityKey, published.prekey, published.signature));
      },
    },

    EMSG: {
      when: 'logged-in',
      // Target and counter only: the payload is not logged, not even with --log-text.
      describe: (request) => ({ detail: `${request.target} #${request.counter}` }),
      handle(session, { target, counter, payload }) {
        const from = session.member!;
        if (!stateOf(session).authenticated) {
          session.fail('AUTH_REQUIRED', 'EMSG needs a login by AUTH or REGISTER', 'EMSG');
          return;
        }
        const to = session.router.find(target);
        if (to === undefined) {
          session.fail('NOT_FOUND', target, 'EMSG');
          return;
        }
        if (prekeys.get(clientIdKey(to.id))?.member !== to) {
          session.fail('NO_KEYS', to.id, 'EMSG');
          return;
        }
        if (!to.deliver(Buffer.from(encodeServer.emsg(from.id, to.id, counter, payload)))) {
          session.fail('NOT_FOUND', target, 'EMSG');
          return;
        }
        session.reply(encodeServer.ok('EMSG', to.id));
      },
    },
  };
}
