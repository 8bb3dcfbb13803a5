import {
  BROADCAST_TARGET,
  clientIdKey,
  encodeServer,
  type Request,
  type RequestVerb,
  type SecureVerb,
} from '../protocol/index.js';
import type { Session } from './session.js';

type RequestOf<V extends Request['verb']> = Extract<Request, { verb: V }>;

/** One verb's behaviour. The session checks `when` before calling `handle`. */
export interface VerbHandler<R extends Request> {
  /**
   * The state the session must be in: `logged-in` (else ERR 401), `logged-out` (else ERR 409,
   * the connection is already logged in) or `any`.
   */
  when: 'any' | 'logged-in' | 'logged-out';
  /** What the log may say about the request; `text` is logged only with --log-text. */
  describe?(request: R): { detail?: string; text?: string };
  handle(session: Session, request: R): void;
}

/**
 * The verb table: one handler per verb of the base protocol (the mapped type makes a missing
 * one a compile error), plus optional handlers of extension verbs (SECURE_VERBS): a server
 * that leaves them out answers them as unknown verbs. An extension spreads its handlers into
 * a table next to these (src/server/secure-verbs.ts).
 */
export type VerbTable = { readonly [V in RequestVerb]: VerbHandler<RequestOf<V>> } & {
  readonly [V in SecureVerb]?: VerbHandler<RequestOf<V>>;
};

export const CORE_VERBS: VerbTable = {
  LOGIN: {
    when: 'logged-out',
    describe: (request) => ({ detail: request.id }),
    handle(session, { id }) {
      if (!session.enter(id)) {
        session.fail('CONFLICT', id, 'LOGIN');
        return;
      }
      session.reply(encodeServer.ok('LOGIN', id));
    },
  },

  MSG: {
    when: 'logged-in',
    describe: (request) => ({ detail: request.target, text: request.text }),
    handle(session, { target, text }) {
      const from = session.member!;
      if (target === BROADCAST_TARGET) {
        const reached = session.router.broadcast(encodeServer.msg(from.id, BROADCAST_TARGET, text), from);
        session.reply(encodeServer.ok('MSG', BROADCAST_TARGET, reached));
        return;
      }
      const to = session.router.find(target);
      // Recipients see their id as they gave it at LOGIN, whatever case the sender typed.
      if (to === undefined || !to.deliver(Buffer.from(encodeServer.msg(from.id, to.id, text)))) {
        session.fail('NOT_FOUND', target, 'MSG');
        return;
      }
      session.reply(encodeServer.ok('MSG', to.id));
    },
  },

  LOGOFF: {
    when: 'logged-in',
    describe: (request) => ({ detail: request.id }),
    handle(session, { id }) {
      const own = session.id!;
      if (clientIdKey(id) !== clientIdKey(own)) {
        session.fail('FORBIDDEN', `you are ${own}`, 'LOGOFF');
        return;
      }
      session.reply(encodeServer.ok('LOGOFF', own));
      session.leave();
      session.end();
    },
  },

  LIST: {
    when: 'logged-in',
    handle(session) {
      const ids = session.router.ids();
      session.reply(encodeServer.ok('LIST', ids.length, ...ids));
    },
  },

  PING: {
    when: 'any',
    handle(session, { token }) {
      session.reply(encodeServer.pong(token));
    },
  },

  HELP: {
    when: 'any',
    handle(session) {
      session.reply(encodeServer.ok('HELP', ...session.verbs));
    },
  },
};
