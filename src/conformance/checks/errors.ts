import { err, list } from '../matchers.js';
import { type Script, scripted } from '../script.js';
import { closed, connectStep, expect, logoff, quiet, send, stillUsable } from '../steps.js';
import { loginDeadlineCheck } from './login-timeout.js';
import { burstStartsFullCheck, oneReplyPerRequestCheck, rateLimitCheck } from './rate-limit.js';
import { serverFullCheck } from './server-full.js';

/** Malformed requests of a logged-in client (bob is online as a target): each gets ERR 400 and changes nothing. */
const MALFORMED = [
  { name: '400-unknown-verb', line: 'FROB {bob}', why: 'an unknown verb' },
  { name: '400-login-without-id', line: 'LOGIN', why: 'LOGIN without an id' },
  { name: '400-msg-without-arguments', line: 'MSG', why: 'MSG without target and text' },
  { name: '400-msg-without-text', line: 'MSG {bob}', why: 'MSG without a text' },
  { name: '400-msg-empty-text', line: 'MSG {bob} ', why: 'MSG with an empty text' },
  { name: '400-msg-invalid-target', line: 'MSG bad!id hello', why: 'MSG to an invalid client-id' },
  { name: '400-logoff-without-id', line: 'LOGOFF', why: 'LOGOFF without an id' },
  // Nothing is trimmed: a verb without arguments is the whole line, an id ends the line.
  { name: '400-list-with-argument', line: 'LIST {bob}', why: 'LIST with an argument' },
  { name: '400-list-trailing-space', line: 'LIST ', why: 'LIST with a trailing space' },
  { name: '400-help-with-argument', line: 'HELP LIST', why: 'HELP with an argument' },
  { name: '400-help-trailing-space', line: 'HELP ', why: 'HELP with a trailing space' },
  { name: '400-logoff-trailing-space', line: 'LOGOFF {alice} ', why: 'LOGOFF of the own id with a space after it' },
  // ALL is not a client-id: a syntax error (400), not another client's id (403).
  { name: '400-logoff-all', line: 'LOGOFF ALL', why: 'LOGOFF ALL' },
  // Verbs fold case in ASCII only: Unicode upper-casing makes LIST of li\u017Ft and PING of p\u0131ng.
  { name: '400-verb-long-s', line: 'li\u017Ft', why: 'li\u017Ft (long s, not LIST)' },
  { name: '400-verb-dotless-i', line: 'p\u0131ng dotless', why: 'p\u0131ng (dotless i, not PING)' },
] as const;

const malformedChecks: Script[] = MALFORMED.map(({ name, line, why }) => ({
  group: 'errors',
  name,
  title: `${why} gets ERR 400, nobody else hears of it, the connection stays usable`,
  login: ['alice', 'bob'],
  steps: [send('alice', line), expect('alice', err(400)), quiet(), ...stillUsable('alice')],
}));

/** Requests that need a session, sent before LOGIN (bob is online so MSG has a valid target). */
const NEEDS_LOGIN = [
  { name: '401-msg', line: 'MSG {bob} hi' },
  { name: '401-msg-all', line: 'MSG ALL hi' },
  { name: '401-list', line: 'LIST' },
  { name: '401-logoff', line: 'LOGOFF {alice}' },
] as const;

const notLoggedInChecks: Script[] = NEEDS_LOGIN.map(({ name, line }) => ({
  group: 'errors',
  name,
  title: `"${line.replace(/\{(\w+)\}/g, '$1')}" before LOGIN gets ERR 401 and nothing is delivered`,
  login: ['bob'],
  connect: ['alice'],
  steps: [send('alice', line), expect('alice', err(401)), quiet(), ...stillUsable('alice')],
}));

const scripts: Script[] = [
  ...malformedChecks,
  ...notLoggedInChecks,
  {
    group: 'errors',
    name: '400-before-401',
    title: 'a malformed request before LOGIN is ERR 400, not 401 (syntax is checked first)',
    login: ['bob'],
    connect: ['alice'],
    steps: [send('alice', 'MSG {bob}'), expect('alice', err(400)), ...stillUsable('alice')],
  },
  {
    group: 'errors',
    name: '400-before-409',
    title: 'LOGIN with an invalid id on a logged-in connection is ERR 400, not 409',
    login: ['alice'],
    steps: [send('alice', 'LOGIN bad!id'), expect('alice', err(400)), ...stillUsable('alice')],
  },
  {
    group: 'errors',
    name: '403-logoff-other-id',
    title: 'LOGOFF of another online id gets ERR 403; both stay connected and logged in',
    login: ['alice', 'bob'],
    steps: (ctx) => [
      send('alice', 'LOGOFF {bob}'),
      expect('alice', err(403)),
      quiet(),
      send('alice', 'LIST'),
      expect('alice', list([ctx.id('alice'), ctx.id('bob')])),
    ],
  },
  {
    group: 'errors',
    name: '403-logoff-offline-id',
    title: 'LOGOFF of an id nobody uses gets ERR 403',
    login: ['alice'],
    steps: [send('alice', 'LOGOFF {nobody}'), expect('alice', err(403)), ...stillUsable('alice')],
  },
  {
    group: 'errors',
    name: '404-offline-target',
    title: 'MSG to an id nobody uses gets ERR 404',
    login: ['alice'],
    steps: [send('alice', 'MSG {nobody} hello?'), expect('alice', err(404)), ...stillUsable('alice')],
  },
  {
    group: 'errors',
    name: '404-target-left',
    title: 'MSG to a client that has left gets ERR 404',
    login: ['alice', 'bob'],
    steps: [
      ...logoff('bob', 'alice'),
      send('alice', 'MSG {bob} still there?'),
      expect('alice', err(404)),
    ],
  },
  {
    group: 'errors',
    name: '409-duplicate-id',
    title: 'LOGIN with an id that is online gets ERR 409; the others hear nothing; a free id still works',
    login: ['alice'],
    connect: ['bob'],
    steps: [
      send('bob', 'LOGIN {alice}'),
      expect('bob', err(409)),
      quiet(),
      send('bob', 'LOGIN {bob}'),
      expect('bob', 'OK LOGIN {bob}'),
      expect('alice', 'JOINED {bob}'),
    ],
  },
  {
    group: 'errors',
    name: '409-duplicate-id-other-case',
    title: 'ids are unique case-insensitively: Alice online blocks alice (ERR 409)',
    login: ['Alice'],
    connect: ['bob'],
    steps: [send('bob', 'LOGIN {alice}'), expect('bob', err(409)), quiet(), ...stillUsable('bob')],
  },
  {
    group: 'errors',
    name: '409-already-logged-in',
    title: 'a second LOGIN on a logged-in connection gets ERR 409 and changes nothing',
    login: ['alice'],
    steps: (ctx) => [
      send('alice', 'LOGIN {carol}'),
      expect('alice', err(409)),
      send('alice', 'LIST'),
      expect('alice', list([ctx.id('alice')])),
    ],
  },
  {
    group: 'errors',
    name: '413-line-too-long',
    title: 'a line of max-line + 1 bytes gets ERR 413 and the connection stays usable',
    login: ['alice'],
    steps: (ctx) => [
      send('alice', `PING ${'x'.repeat(ctx.limits.maxLine - 'PING \n'.length + 1)}`),
      expect('alice', err(413)),
      ...stillUsable('alice'),
    ],
  },
  {
    group: 'errors',
    name: '408-login-timeout',
    title: 'no LOGIN within the login timeout: ERR 408 and the server closes; logged-in clients stay',
    skip: (limits) => (limits.loginTimeoutSeconds === undefined ? 'needs --login-timeout S (the target\'s setting)' : undefined),
    login: ['bob'],
    steps: (ctx) => {
      const withinMs = (ctx.limits.loginTimeoutSeconds ?? 0) * 1000 + ctx.timeouts.replyMs;
      return [connectStep('alice'), expect('alice', err(408), withinMs), closed('alice'), ...stillUsable('bob')];
    },
  },
];

export const errorChecks = [...scripts.map(scripted), loginDeadlineCheck, rateLimitCheck, burstStartsFullCheck, oneReplyPerRequestCheck, serverFullCheck];
