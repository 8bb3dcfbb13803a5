import { list } from '../matchers.js';
import { type Script, scripted } from '../script.js';
import { close, connectStep, expect, send } from '../steps.js';
import type { CheckContext } from '../types.js';

function listOf(ctx: CheckContext, ...names: string[]) {
  return list(names.map((name) => ctx.id(name)));
}

const scripts: Script[] = [
  {
    group: 'list',
    name: 'self',
    title: 'LIST alone: OK LIST 1 <own id>',
    login: ['alice'],
    steps: (ctx) => [send('alice', 'LIST'), expect('alice', listOf(ctx, 'alice'))],
  },
  {
    group: 'list',
    name: 'everyone-as-given',
    title: 'LIST names every logged-in client once, ids as given at LOGIN, in login order, n their count',
    login: ['alice', 'Bob', 'CAROL'],
    steps: (ctx) => [send('alice', 'LIST'), expect('alice', listOf(ctx, 'alice', 'Bob', 'CAROL'))],
  },
  {
    group: 'list',
    name: 'verb-any-case',
    title: 'list in lower case works like LIST',
    login: ['alice'],
    steps: (ctx) => [send('alice', 'list'), expect('alice', listOf(ctx, 'alice'))],
  },
  {
    group: 'list',
    name: 'not-anonymous',
    title: 'connections that are not logged in are not listed',
    login: ['alice'],
    steps: (ctx) => [connectStep('anon'), send('alice', 'LIST'), expect('alice', listOf(ctx, 'alice'))],
  },
  {
    group: 'list',
    name: 'after-leave',
    title: 'a client that left is no longer listed',
    login: ['alice', 'bob'],
    steps: (ctx) => [
      close('bob', 'end'),
      expect('alice', 'LEFT {bob}'),
      send('alice', 'LIST'),
      expect('alice', listOf(ctx, 'alice')),
    ],
  },
];

export const listChecks = scripts.map(scripted);
