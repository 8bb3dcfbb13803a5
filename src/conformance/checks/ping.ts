import { type Script, scripted } from '../script.js';
import { expect, quiet, send } from '../steps.js';

const scripts: Script[] = [
  {
    group: 'ping',
    name: 'no-token',
    title: 'PING is answered PONG',
    login: ['alice'],
    steps: [send('alice', 'PING'), expect('alice', 'PONG'), quiet()],
  },
  {
    group: 'ping',
    name: 'token',
    title: 'PING <token> is answered PONG <token>',
    login: ['alice'],
    steps: [send('alice', 'PING t-42.x'), expect('alice', 'PONG t-42.x')],
  },
  {
    group: 'ping',
    name: 'token-with-spaces',
    title: 'the PING token is the rest of the line and comes back unchanged, spaces included',
    connect: ['alice'],
    steps: [send('alice', 'ping 1732530000 #7'), expect('alice', 'PONG 1732530000 #7')],
  },
  {
    group: 'ping',
    name: 'empty-token',
    title: '"PING " with an empty token is a PING: PONG',
    connect: ['alice'],
    steps: [send('alice', 'PING '), expect('alice', 'PONG'), quiet()],
  },
  {
    group: 'ping',
    name: 'before-login',
    title: 'PING works before LOGIN',
    connect: ['alice'],
    steps: [send('alice', 'PING early'), expect('alice', 'PONG early')],
  },
  {
    group: 'ping',
    name: 'verb-any-case',
    title: 'ping in lower case is answered PONG',
    connect: ['alice'],
    steps: [send('alice', 'ping low'), expect('alice', 'PONG low')],
  },
  {
    group: 'ping',
    name: 'in-order',
    title: 'replies come in the order of the requests',
    connect: ['alice'],
    steps: [send('alice', 'PING 1'), send('alice', 'PING 2'), send('alice', 'PING 3'), expect('alice', 'PONG 1'), expect('alice', 'PONG 2'), expect('alice', 'PONG 3')],
  },
];

export const pingChecks = scripts.map(scripted);
