import { err } from '../matchers.js';
import { type Script, scripted } from '../script.js';
import { connectStep, expect, loginStep, quiet, send, stillUsable } from '../steps.js';

/** Client-ids the spec refuses with 400, each a check of its own. */
const INVALID_IDS = [
  { name: 'id-too-long', id: 'a'.repeat(33), why: '33 characters' },
  { name: 'id-bad-character', id: 'bad!id', why: 'a character outside A-Z a-z 0-9 _ - .' },
  { name: 'id-non-ascii', id: 'h\u00e9l\u00e8ne', why: 'non-ASCII letters' },
  { name: 'id-two-tokens', id: 'two words', why: 'a space (two tokens)' },
  { name: 'id-trailing-space', id: '{alice} ', why: 'a space after the id' },
  { name: 'id-reserved-all', id: 'ALL', why: 'the reserved ALL' },
  { name: 'id-reserved-all-lowercase', id: 'all', why: 'the reserved ALL in lower case' },
  { name: 'id-reserved-all-mixed-case', id: 'aLl', why: 'the reserved ALL in mixed case' },
] as const;

const invalidIdChecks = INVALID_IDS.map(({ name, id, why }) =>
  scripted({
    group: 'login',
    name,
    title: `LOGIN with ${why} gets ERR 400 and the connection stays usable`,
    connect: ['alice'],
    steps: [send('alice', `LOGIN ${id}`), expect('alice', err(400)), ...stillUsable('alice')],
  }),
);

/** An id of exactly 32 characters from the whole alphabet, unique to the run. */
function longestId(base: string): string {
  return `Az09_-.${base}`.padEnd(32, 'x').slice(0, 32);
}

const scripts: Script[] = [
  {
    group: 'login',
    name: 'ok',
    title: 'LOGIN <id> is answered OK LOGIN <id>',
    connect: ['alice'],
    steps: [send('alice', 'LOGIN {alice}'), expect('alice', 'OK LOGIN {alice}'), quiet()],
  },
  {
    group: 'login',
    name: 'verb-any-case',
    title: 'the verb is case-insensitive (login), the reply verb uppercase',
    connect: ['alice'],
    steps: [send('alice', 'login {alice}'), expect('alice', 'OK LOGIN {alice}')],
  },
  {
    group: 'login',
    name: 'joined-to-others',
    title: 'the others get JOINED <id> with the id as given; the new client gets no JOINED of its own',
    login: ['alice'],
    connect: ['MiXeD'],
    steps: [
      send('MiXeD', 'LOGIN {MiXeD}'),
      expect('MiXeD', 'OK LOGIN {MiXeD}'),
      expect('alice', 'JOINED {MiXeD}'),
      quiet(),
    ],
  },
  {
    group: 'login',
    name: 'not-joined-to-anonymous',
    title: 'a connection that has not logged in gets no JOINED',
    steps: [connectStep('anon'), loginStep('alice'), quiet()],
  },
  {
    group: 'login',
    name: 'id-32-characters',
    title: 'an id of 32 characters using every allowed kind of character is accepted as given',
    connect: ['alice'],
    steps: (ctx) => {
      const id = longestId(ctx.id('x'));
      return [send('alice', `LOGIN ${id}`), expect('alice', `OK LOGIN ${id}`)];
    },
  },
  {
    group: 'login',
    name: 'id-1-character',
    title: 'an id of a single character is accepted',
    connect: ['alice'],
    steps: (ctx) => {
      const id = ctx.id('x').slice(-1);
      return [send('alice', `LOGIN ${id}`), expect('alice', `OK LOGIN ${id}`)];
    },
  },
];

export const loginChecks = [...scripts.map(scripted), ...invalidIdChecks];
