import { newChallenge, proofSignedData, type ProofContext } from '../crypto/challenge.js';
import { identityKeyWeakness, isIdentityPublicKey, verifyIdentitySignature } from '../crypto/identity.js';
import { prekeySignedData } from '../crypto/prekey.js';
import { decodeBase64 } from '../crypto/raw-keys.js';
import { x25519KeyWeakness } from '../crypto/weak-keys.js';
import { encodeServer, type ErrorName } from '../protocol/index.js';
import { SERVER_DEFAULTS } from './config.js';
import { KeyDirectory } from './key-directory.js';
import type { RegistrationLimiter } from './registration-limiter.js';
import type { Registry } from './registry.js';
import type { Session } from './session.js';
import { CORE_VERBS, type VerbTable } from './verbs.js';

/** A challenge sent and not yet answered; single use. */
type PendingProof = Omit<ProofContext, 'channelBinding'>;

/** What the extension remembers per connection, next to the session. */
interface SecureState {
  pending?: PendingProof;
  /** Logged in by REGISTER or AUTH (a plain LOGIN never sets it). */
  authenticated: boolean;
  /** The id this session's REGISTER reserved, until its PROVE is done or the session ends. */
  reserved?: string | undefined;
  /** The id whose registration PROVE is writing (still reserved by this session meanwhile). */
  writing?: string | undefined;
}

/** An error to answer with and its detail. */
type Refusal = [ErrorName, string | undefined];

export interface SecureOptions {
  registry: Registry;
  /** Names this server in every login proof, so a proof made for one server is useless on another. */
  realm: string;
  /** --require-tls-login: REGISTER and AUTH on a connection without TLS get ERR 426. */
  requireTlsLogin?: boolean | undefined;
  /** --max-registered: ids registered (and being registered) at most; more get ERR 508. */
  maxRegistered?: number | undefined;
  /** --register-limit: registrations per address; absent = no limit. */
  limiter?: RegistrationLimiter | undefined;
  /** Prekeys and reservations; a fresh one unless a test wants to look inside. */
  directory?: KeyDirectory | undefined;
}

/**
 * The verb table of the secure extension (docs/PROTOCOL.md section 9): the base verbs, LOGIN
 * refused for registered ids, and REGISTER, AUTH, PROVE, PREKEY, KEYS, EMSG. The server routes
 * EMSG payloads as opaque base64; it never holds a key that could decrypt them.
 */
export function secureVerbs({
  registry,
  realm,
  requireTlsLogin = SERVER_DEFAULTS.requireTlsLogin,
  maxRegistered = SERVER_DEFAULTS.maxRegistered,
  limiter,
  directory = new KeyDirectory(),
}: SecureOptions): VerbTable {
  const states = new WeakMap<Session, SecureState>();
  /**
   * A REGISTER reserves its id until its PROVE is done (or the session ends): nobody else may
   * LOGIN or REGISTER it meanwhile, so the key owner is not locked out by a keyless squatter.
   */
  const release = (session: Session) => {
    const state = stateOf(session);
    if (state.reserved !== undefined) directory.release(state.reserved, session);
    state.reserved = undefined;
  };
  /**
   * The id whose registration is being written keeps its reservation until the write settles
   * (it is in the registry already: the cap counts it there, not twice).
   */
  let writesInFlight = 0;
  const written = (session: Session, id: string) => {
    const state = stateOf(session);
    if (state.writing === id) {
      writesInFlight--;
      state.writing = undefined;
    }
    directory.release(id, session);
  };
  const stateOf = (session: Session): SecureState => {
    const state = states.get(session);
    if (state !== undefined) return state;
    const created: SecureState = { authenticated: false };
    states.set(session, created);
    session.onClose(() => {
      release(session);
      if (created.writing !== undefined) written(session, created.writing);
      if (session.member !== undefined) directory.withdraw(session.member);
    });
    return created;
  };
  /** Why `session` may not register `id` now (checked at REGISTER and again before the write), or undefined. */
  const registrationRefusal = (session: Session, id: string): Refusal | undefined => {
    const holder = directory.reservedBy(id);
    if (registry.get(id) !== undefined) return ['ALREADY_REGISTERED', id];
    if (session.router.find(id) !== undefined) return ['CONFLICT', `${id} is online`];
    if (holder !== undefined && holder !== session) return ['CONFLICT', `${id} is being registered`];
    const others = directory.reservationCount - writesInFlight - (holder === session ? 1 : 0);
    if (registry.size + others >= maxRegistered) return ['REGISTRY_FULL', `${maxRegistered} ids`];
    if (limiter !== undefined && !limiter.allows(session.peer)) return ['REGISTRATION_LIMIT', undefined];
    return undefined;
  };
  const tlsRefused = (session: Session, verb: 'REGISTER' | 'AUTH'): boolean => {
    if (!requireTlsLogin || session.channelBinding !== '') return false;
    session.fail('TLS_REQUIRED', 'reconnect with TLS', verb);
    return true;
  };
  const challenge = (session: Session, pending: PendingProof) => {
    release(session);
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
    // Logged in, it can no longer PROVE: a REGISTER it sent meanwhile must not hold that id.
    release(session);
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
        if (directory.reservedBy(request.id) !== undefined) {
          session.fail('CONFLICT', `${request.id} is being registered`, 'LOGIN');
          return;
        }
        CORE_VERBS.LOGIN.handle(session, request);
        // Logged in, this connection can no longer PROVE: a REGISTER it made must not hold its id.
        if (session.state === 'logged-in') release(session);
      },
    },

    REGISTER: {
      when: 'logged-out',
      describe: (request) => ({ detail: request.id }),
      handle(session, { id, identityKey }) {
        if (tlsRefused(session, 'REGISTER')) return;
        const refusal = registrationRefusal(session, id);
        const weakness = isIdentityPublicKey(identityKey) ? identityKeyWeakness(identityKey) : undefined;
        if (refusal !== undefined) {
          session.fail(refusal[0], refusal[1], 'REGISTER');
        } else if (!isIdentityPublicKey(identityKey)) {
          session.fail('MALFORMED', 'identity-key is not an Ed25519 public key', 'REGISTER');
        } else if (weakness !== undefined) {
          session.fail('WEAK_KEY', `identity-key: ${weakness}`, 'REGISTER');
        } else {
          challenge(session, { purpose: 'REGISTER', realm, id, identityKey, challenge: newChallenge() });
          directory.reserve(id, session);
          stateOf(session).reserved = id;
        }
      },
    },

    AUTH: {
      when: 'logged-out',
      describe: (request) => ({ detail: request.id }),
      handle(session, { id }) {
        if (tlsRefused(session, 'AUTH')) return;
        const registered = registry.get(id);
        if (registered === undefined) {
          session.fail('NOT_REGISTERED', `${id} (LOGIN works for it)`, 'AUTH');
          return;
        }
        // In the registry but not yet on disk: a login now could outlive the registration.
        if (directory.reservedBy(id) !== undefined) {
          session.fail('CONFLICT', `${id} is being registered`, 'AUTH');
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
          release(session);
          session.fail('AUTH_FAILED', `signature does not verify with ${pending.id}'s key`, pending.purpose);
          return;
        }
        if (pending.purpose === 'AUTH') {
          loggedInSecurely(session, 'AUTH', pending.id);
          return;
        }
        // Everything may have changed since REGISTER but this session's reservation: check again.
        const refusal = registrationRefusal(session, pending.id);
        if (refusal !== undefined || limiter?.take(session.peer) === false) {
          release(session);
          session.fail(...(refusal ?? ['REGISTRATION_LIMIT', undefined]), 'REGISTER');
          return;
        }
        // The reservation now stands for the write: a REGISTER this connection sends meanwhile
        // makes a reservation of its own, and AUTH of the id waits until it is on disk.
        state.writing = pending.id;
        state.reserved = undefined;
        writesInFlight++;
        registry.register(pending.id, pending.identityKey).then(
          (outcome) => {
            written(session, pending.id);
            if (session.state === 'closed') return;
            if (outcome === 'taken') session.fail('ALREADY_REGISTERED', pending.id, 'REGISTER');
            // Logged in by an AUTH meanwhile: the id is registered, this connection stays what it is.
            else if (session.state === 'logged-in') session.fail('CONFLICT', `this connection is already logged in as ${session.id}`, 'REGISTER');
            else loggedInSecurely(session, 'REGISTER', pending.id);
          },
          (error: Error) => {
            written(session, pending.id);
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
        const weakness = x25519KeyWeakness(raw);
        if (weakness !== undefined) {
          session.fail('WEAK_KEY', `prekey: ${weakness}`, 'PREKEY');
          return;
        }
        // Recipients verify this signature themselves; checking it here keeps junk off the server.
        if (!verifyIdentitySignature(registered.identityKey, prekeySignedData(member.id, raw), signature)) {
          session.fail('AUTH_FAILED', 'prekey signature does not verify', 'PREKEY');
          return;
        }
        directory.publish({ member, prekey, signature });
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
        const published = directory.prekeyOf(member);
        const registered = registry.get(id);
        if (published === undefined || registered === undefined) {
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
        if (directory.prekeyOf(to) === undefined) {
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
