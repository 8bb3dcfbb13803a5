import { type Script, scripted } from '../script.js';
import { expect, quiet, send, sendBytes } from '../steps.js';

const scripts: Script[] = [
  {
    group: 'direct',
    name: 'deliver',
    title: 'MSG <id> <text>: the sender gets OK MSG <id>, the target MSG <from> <id> <text>, nobody else anything',
    login: ['alice', 'bob', 'carol'],
    steps: [
      send('alice', 'MSG {bob} hello bob'),
      expect('alice', 'OK MSG {bob}'),
      expect('bob', 'MSG {alice} {bob} hello bob'),
      quiet(),
    ],
  },
  {
    group: 'direct',
    name: 'verb-any-case',
    title: 'msg in lower case is a MSG; the target sees the verb uppercase',
    login: ['alice', 'bob'],
    steps: [send('alice', 'msg {bob} hi'), expect('alice', 'OK MSG {bob}'), expect('bob', 'MSG {alice} {bob} hi')],
  },
  {
    group: 'direct',
    name: 'text-kept-exactly',
    title: 'the text is the rest of the line: leading, repeated and trailing spaces, TAB and UTF-8 arrive unchanged',
    login: ['alice', 'bob'],
    steps: [
      sendBytes('alice', 'MSG {bob}   two  spaces,\ta tab, ', [0xc3, 0xa9, 0xe2, 0x9c, 0x93, 0xf0, 0x9f, 0x98, 0x80], ' end  \n'),
      expect('alice', 'OK MSG {bob}'),
      expect('bob', 'MSG {alice} {bob}   two  spaces,\ta tab, \u00e9\u2713\u{1f600} end  '),
    ],
  },
  {
    group: 'direct',
    name: 'sender-attribution',
    title: 'the sender is always the session id: a forged "MSG <other> <id> <text>" is just text',
    login: ['alice', 'bob', 'carol'],
    steps: [
      send('alice', 'MSG {bob} {carol} forged'),
      expect('alice', 'OK MSG {bob}'),
      expect('bob', 'MSG {alice} {bob} {carol} forged'),
      quiet(),
    ],
  },
  {
    group: 'direct',
    name: 'both-ways',
    title: 'replies go back the other way with the right attribution',
    login: ['alice', 'bob'],
    steps: [
      send('alice', 'MSG {bob} ping?'),
      expect('alice', 'OK MSG {bob}'),
      expect('bob', 'MSG {alice} {bob} ping?'),
      send('bob', 'MSG {alice} pong!'),
      expect('bob', 'OK MSG {alice}'),
      expect('alice', 'MSG {bob} {alice} pong!'),
      quiet(),
    ],
  },
  {
    group: 'direct',
    name: 'sender-id-as-given',
    title: 'the receiver sees the sender id exactly as it was given at LOGIN (mixed case kept)',
    login: ['alice', 'BoB'],
    steps: [send('BoB', 'MSG {alice} hey'), expect('BoB', 'OK MSG {alice}'), expect('alice', 'MSG {BoB} {alice} hey')],
  },
  {
    group: 'direct',
    name: 'target-any-case',
    title: 'ids are case-insensitive: MSG to the id in other case reaches that client, named as it logged in',
    login: ['Alice', 'bob'],
    steps: [send('bob', 'MSG {ALICE} case'), expect('bob', 'OK MSG {Alice}'), expect('Alice', 'MSG {bob} {Alice} case')],
  },
  {
    group: 'direct',
    name: 'to-self',
    title: 'MSG to the own id is delivered to the sender: first MSG <id> <id> <text>, then OK MSG <id>',
    login: ['alice', 'bob'],
    steps: [
      send('alice', 'MSG {alice} note to self'),
      expect('alice', 'MSG {alice} {alice} note to self'),
      expect('alice', 'OK MSG {alice}'),
      quiet(),
    ],
  },
  {
    group: 'direct',
    name: 'in-order',
    title: 'direct messages from one sender reach the recipient in the order sent; the OKs come in request order',
    login: ['alice', 'bob'],
    steps: [
      sendBytes('alice', 'MSG {bob} one\nMSG {bob} two\nMSG {bob} three\nMSG {bob} four\n'),
      expect('alice', 'OK MSG {bob}'),
      expect('alice', 'OK MSG {bob}'),
      expect('alice', 'OK MSG {bob}'),
      expect('alice', 'OK MSG {bob}'),
      expect('bob', 'MSG {alice} {bob} one'),
      expect('bob', 'MSG {alice} {bob} two'),
      expect('bob', 'MSG {alice} {bob} three'),
      expect('bob', 'MSG {alice} {bob} four'),
      quiet(),
    ],
  },
];

export const directChecks = scripts.map(scripted);
