import { err } from '../matchers.js';
import { type Script, scripted } from '../script.js';
import { expect, quiet, sendBytes, stillUsable } from '../steps.js';

/** Texts the spec refuses with 400: not UTF-8, or a C0 control character other than TAB, DEL, or a C1 control character. */
const BAD_TEXTS = [
  { name: 'invalid-utf8', bytes: [0xc3, 0x28], why: 'a broken two-byte UTF-8 sequence' },
  { name: 'lone-continuation-byte', bytes: [0x80], why: 'a lone UTF-8 continuation byte' },
  { name: 'overlong-utf8', bytes: [0xc0, 0xaf], why: 'an overlong UTF-8 encoding' },
  { name: 'utf8-surrogate', bytes: [0xed, 0xa0, 0x80], why: 'a UTF-16 surrogate encoded as UTF-8' },
  { name: 'truncated-utf8', bytes: [0x61, 0xe2, 0x82], why: 'a UTF-8 sequence cut short by the line end' },
  { name: 'latin1-byte', bytes: [0xff], why: 'a 0xFF byte' },
  { name: 'escape-character', bytes: [0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x72, 0x65, 0x64], why: 'an ESC (terminal escape sequence)' },
  { name: 'nul-character', bytes: [0x61, 0x00, 0x62], why: 'a NUL byte' },
  { name: 'bell-character', bytes: [0x07], why: 'a BEL control character' },
  { name: 'cr-inside-line', bytes: [0x61, 0x0d, 0x62], why: 'a CR that is not right before the LF' },
  { name: 'del-character', bytes: [0x61, 0x7f], why: 'a DEL character' },
  { name: 'c1-csi', bytes: [0xc2, 0x9b, 0x33, 0x31, 0x6d, 0x72, 0x65, 0x64], why: 'a C1 control character (U+009B CSI)' },
  { name: 'c1-first', bytes: [0x61, 0xc2, 0x80], why: 'the first C1 control character (U+0080)' },
  { name: 'c1-next-line', bytes: [0xc2, 0x85, 0x62], why: 'a C1 control character (U+0085 NEL)' },
] as const;

const badTextChecks: Script[] = BAD_TEXTS.map(({ name, bytes, why }) => ({
  group: 'text',
  name,
  title: `a MSG text with ${why} gets ERR 400 and is not delivered`,
  login: ['alice', 'bob'],
  steps: [sendBytes('alice', 'MSG {bob} bad:', [...bytes], '\n'), expect('alice', err(400)), quiet(), ...stillUsable('alice')],
}));

const scripts: Script[] = [
  ...badTextChecks,
  {
    group: 'text',
    name: 'invalid-utf8-in-id',
    title: 'a LOGIN id that is not UTF-8 gets ERR 400',
    connect: ['alice'],
    steps: [sendBytes('alice', 'LOGIN ab', [0xfe], '\n'), expect('alice', err(400)), ...stillUsable('alice')],
  },
  {
    group: 'text',
    name: 'binary-verb',
    title: 'a line of binary garbage gets ERR 400',
    connect: ['alice'],
    steps: [sendBytes('alice', [0xde, 0xad, 0xbe, 0xef, 0x01, 0x02], '\n'), expect('alice', err(400)), ...stillUsable('alice')],
  },
  {
    group: 'text',
    name: 'tab-allowed',
    title: 'TAB is allowed in a text and delivered as is',
    login: ['alice', 'bob'],
    steps: [
      sendBytes('alice', 'MSG {bob} col1\tcol2\t\n'),
      expect('alice', 'OK MSG {bob}'),
      expect('bob', 'MSG {alice} {bob} col1\tcol2\t'),
    ],
  },
  {
    group: 'text',
    name: 'above-c1-allowed',
    title: 'U+00A0 (no-break space), the first character after the C1 range, and U+00FF are delivered as is',
    login: ['alice', 'bob'],
    steps: [
      sendBytes('alice', 'MSG {bob} a', [0xc2, 0xa0], 'b', [0xc3, 0xbf], '\n'),
      expect('alice', 'OK MSG {bob}'),
      expect('bob', 'MSG {alice} {bob} a\u00a0b\u00ff'),
    ],
  },
  {
    group: 'text',
    name: 'utf8-broadcast',
    title: 'multi-byte UTF-8 (2, 3 and 4 bytes) is broadcast byte for byte',
    login: ['alice', 'bob'],
    steps: [
      sendBytes('alice', 'MSG ALL gr\u00fc\u00df \u4f60\u597d \u{1f44b}\n'),
      expect('alice', 'OK MSG ALL 1'),
      expect('bob', 'MSG {alice} ALL gr\u00fc\u00df \u4f60\u597d \u{1f44b}'),
    ],
  },
];

export const textChecks = scripts.map(scripted);
