import { type Script, scripted } from '../script.js';
import { connectStep, expect, loginStep, quiet, send } from '../steps.js';

const scripts: Script[] = [
  {
    group: 'broadcast',
    name: 'deliver-and-count',
    title: 'MSG ALL: OK MSG ALL <n> with n = receivers, every other client gets MSG <from> ALL <text>',
    login: ['alice', 'bob', 'carol'],
    steps: [
      send('alice', 'MSG ALL hello everyone'),
      expect('alice', 'OK MSG ALL 2'),
      expect('bob', 'MSG {alice} ALL hello everyone'),
      expect('carol', 'MSG {alice} ALL hello everyone'),
      quiet(),
    ],
  },
  {
    group: 'broadcast',
    name: 'no-echo',
    title: 'the sender of a broadcast does not receive it back',
    login: ['alice', 'bob'],
    steps: [send('alice', 'MSG ALL echo?'), expect('alice', 'OK MSG ALL 1'), expect('bob', 'MSG {alice} ALL echo?'), quiet('alice')],
  },
  {
    group: 'broadcast',
    name: 'alone',
    title: 'a broadcast with nobody else online is OK MSG ALL 0',
    login: ['alice'],
    steps: [send('alice', 'MSG ALL anybody?'), expect('alice', 'OK MSG ALL 0'), quiet()],
  },
  {
    group: 'broadcast',
    name: 'all-any-case',
    title: 'the target all in lower case is the broadcast; it is sent on as ALL',
    login: ['alice', 'bob'],
    steps: [send('alice', 'msg all lower case'), expect('alice', 'OK MSG ALL 1'), expect('bob', 'MSG {alice} ALL lower case')],
  },
  {
    group: 'broadcast',
    name: 'not-to-anonymous',
    title: 'connections that are not logged in neither receive broadcasts nor count',
    steps: [
      connectStep('anon'),
      loginStep('alice'),
      loginStep('bob'),
      send('alice', 'MSG ALL members only'),
      expect('alice', 'OK MSG ALL 1'),
      expect('bob', 'MSG {alice} ALL members only'),
      quiet(),
    ],
  },
];

export const broadcastChecks = scripts.map(scripted);
