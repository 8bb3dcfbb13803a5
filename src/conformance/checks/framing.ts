import { err } from '../matchers.js';
import { type Script, scripted } from '../script.js';
import { expect, quiet, send, sendBytes, stillUsable } from '../steps.js';

/** One byte per TCP segment (Nagle off), a short pause between them. */
const BYTE_BY_BYTE = { bytesPerSegment: 1, pauseMs: 2 } as const;

const scripts: Script[] = [
  {
    group: 'framing',
    name: 'crlf',
    title: 'a CR before the LF is accepted and dropped (in LOGIN, MSG and PING)',
    login: ['bob'],
    connect: ['alice'],
    steps: [
      send('alice', 'LOGIN {alice}', { ending: '\r\n' }),
      expect('alice', 'OK LOGIN {alice}'),
      expect('bob', 'JOINED {alice}'),
      send('alice', 'MSG {bob} with crlf', { ending: '\r\n' }),
      expect('alice', 'OK MSG {bob}'),
      expect('bob', 'MSG {alice} {bob} with crlf'),
      send('alice', 'PING crlf', { ending: '\r\n' }),
      expect('alice', 'PONG crlf'),
    ],
  },
  {
    group: 'framing',
    name: 'one-byte-per-segment',
    title: 'requests sent one byte per TCP segment work like whole lines',
    login: ['bob'],
    connect: ['alice'],
    steps: [
      send('alice', 'LOGIN {alice}', { segmenting: BYTE_BY_BYTE }),
      expect('alice', 'OK LOGIN {alice}'),
      expect('bob', 'JOINED {alice}'),
      send('alice', 'MSG {bob} byte by byte \u00e9\u2713', { ending: '\r\n', segmenting: BYTE_BY_BYTE }),
      expect('alice', 'OK MSG {bob}'),
      expect('bob', 'MSG {alice} {bob} byte by byte \u00e9\u2713'),
      quiet(),
    ],
  },
  {
    group: 'framing',
    name: 'several-per-segment',
    title: 'several requests in one TCP segment are all answered, in order',
    login: ['bob'],
    connect: ['alice'],
    steps: [
      sendBytes('alice', 'PING one\nLOGIN {alice}\r\nMSG {bob} two\nPING three\n'),
      expect('alice', 'PONG one'),
      expect('alice', 'OK LOGIN {alice}'),
      expect('alice', 'OK MSG {bob}'),
      expect('alice', 'PONG three'),
      expect('bob', 'JOINED {alice}'),
      expect('bob', 'MSG {alice} {bob} two'),
      quiet(),
    ],
  },
  {
    group: 'framing',
    name: 'line-split-anywhere',
    title: 'lines cut at awkward places (inside a verb, between CR and LF, with the next line) work',
    connect: ['alice'],
    steps: [
      sendBytes('alice', 'PI'),
      sendBytes('alice', 'NG a\r'),
      sendBytes('alice', '\nPING b\nPI'),
      sendBytes('alice', 'NG c\n'),
      expect('alice', 'PONG a'),
      expect('alice', 'PONG b'),
      expect('alice', 'PONG c'),
    ],
  },
  {
    group: 'framing',
    name: 'empty-lines-ignored',
    title: 'empty lines (LF, CR LF) get no reply and no error',
    connect: ['alice'],
    steps: [sendBytes('alice', '\n\r\n\nPING after-empty\n'), expect('alice', 'PONG after-empty'), quiet()],
  },
  {
    group: 'framing',
    name: 'max-line-accepted',
    title: 'a line of exactly max-line bytes (LF included) is accepted',
    connect: ['alice'],
    steps: (ctx) => {
      const token = 'y'.repeat(ctx.limits.maxLine - 'PING \n'.length);
      return [send('alice', `PING ${token}`), expect('alice', `PONG ${token}`)];
    },
  },
  {
    group: 'framing',
    name: 'too-long-rest-discarded',
    title: 'after ERR 413 the rest of the long line is discarded up to its LF; the next line is served',
    connect: ['alice'],
    steps: (ctx) => [
      // The tail after the limit looks like a request: it must not be answered.
      sendBytes('alice', `PING ${'z'.repeat(ctx.limits.maxLine)} PING tail\nPING next\n`),
      expect('alice', err(413)),
      expect('alice', 'PONG next'),
      quiet(),
    ],
  },
  {
    group: 'framing',
    name: 'too-long-over-segments',
    title: 'an over-long line arriving in many segments gets one ERR 413, then the connection works',
    connect: ['alice'],
    steps: (ctx) => {
      const chunk = Math.max(1, Math.floor(ctx.limits.maxLine / 4));
      return [
        send('alice', `PING ${'w'.repeat(ctx.limits.maxLine * 3)}`, { segmenting: { bytesPerSegment: chunk, pauseMs: 5 } }),
        expect('alice', err(413)),
        quiet(),
        ...stillUsable('alice'),
      ];
    },
  },
  {
    group: 'framing',
    name: 'cr-counts-toward-max-line',
    title: 'the CR of a CR LF counts toward max-line: max-line bytes with CR LF are accepted, one more is ERR 413',
    connect: ['alice'],
    steps: (ctx) => {
      const fits = 'c'.repeat(ctx.limits.maxLine - 'PING \r\n'.length);
      return [
        send('alice', `PING ${fits}x`, { ending: '\r\n' }),
        expect('alice', err(413)),
        send('alice', `PING ${fits}`, { ending: '\r\n' }),
        expect('alice', `PONG ${fits}`),
        quiet(),
      ];
    },
  },
  {
    group: 'framing',
    name: '413-before-lf',
    title: 'ERR 413 comes as soon as max-line bytes arrived without a LF, before the line ends',
    connect: ['alice'],
    steps: (ctx) => [
      sendBytes('alice', `PING ${'u'.repeat(ctx.limits.maxLine - 'PING '.length)}`),
      expect('alice', err(413)),
      sendBytes('alice', 'more of the same line\nPING next\n'),
      expect('alice', 'PONG next'),
      quiet(),
    ],
  },
];

export const framingChecks = scripts.map(scripted);
