import { type Script, scripted } from '../script.js';
import { close, closed, connectStep, expect, pause, quiet, send, sendBytes, stillUsable } from '../steps.js';

const scripts: Script[] = [
  {
    group: 'disconnect',
    name: 'reset-logged-in',
    title: 'a logged-in client whose connection is reset (RST) counts as a logoff: LEFT <id>',
    login: ['alice', 'bob'],
    steps: [close('bob', 'reset'), expect('alice', 'LEFT {bob}'), quiet(), ...stillUsable('alice')],
  },
  {
    group: 'disconnect',
    name: 'close-mid-line',
    title: 'a client closing (FIN) in the middle of a line: the partial line is not delivered, LEFT is',
    login: ['alice', 'bob'],
    // The pause lets the partial line arrive (and be buffered) before the FIN.
    steps: [sendBytes('bob', 'MSG {alice} never fini'), pause(100), close('bob', 'end'), expect('alice', 'LEFT {bob}'), quiet()],
  },
  {
    group: 'disconnect',
    name: 'reset-mid-line',
    title: 'a client reset (RST) in the middle of a line: the partial line is not delivered, LEFT is',
    login: ['alice', 'bob'],
    steps: [sendBytes('bob', 'MSG ALL never fini'), pause(100), close('bob', 'reset'), expect('alice', 'LEFT {bob}'), quiet()],
  },
  {
    group: 'disconnect',
    name: 'half-close',
    title: 'a half-closed connection (FIN, still reading) gets its answers, then the server closes; LEFT to the others',
    login: ['alice', 'bob'],
    steps: [
      send('bob', 'PING before-fin'),
      close('bob', 'end'),
      expect('bob', 'PONG before-fin'),
      closed('bob'),
      expect('alice', 'LEFT {bob}'),
    ],
  },
  {
    group: 'disconnect',
    name: 'half-close-partial-line-unanswered',
    title: 'at FIN the complete lines are answered, the bytes after the last LF are not a request: no reply',
    login: ['alice', 'bob'],
    steps: [
      sendBytes('bob', 'PING answered\nPING never-finished'),
      close('bob', 'end'),
      expect('bob', 'PONG answered'),
      closed('bob'),
      expect('alice', 'LEFT {bob}'),
      quiet(),
    ],
  },
  {
    group: 'disconnect',
    name: 'reset-before-login',
    title: 'a connection reset right after connecting leaves the server serving new connections',
    steps: [connectStep('early'), close('early', 'reset'), connectStep('alice'), ...stillUsable('alice')],
  },
  {
    group: 'disconnect',
    name: 'reset-after-logoff-request',
    title: 'a reset right after sending LOGOFF still yields exactly one LEFT',
    login: ['alice', 'bob'],
    steps: [send('bob', 'LOGOFF {bob}'), close('bob', 'reset'), expect('alice', 'LEFT {bob}'), quiet()],
  },
];

export const disconnectChecks = scripts.map(scripted);

