import { help } from '../matchers.js';
import { type Script, scripted } from '../script.js';
import { expect, quiet, send } from '../steps.js';

const scripts: Script[] = [
  {
    group: 'help',
    name: 'before-login',
    title: 'HELP before LOGIN: OK HELP naming every verb of the spec',
    connect: ['alice'],
    steps: [send('alice', 'HELP'), expect('alice', help()), quiet()],
  },
  {
    group: 'help',
    name: 'logged-in',
    title: 'HELP when logged in, verb in lower case: OK HELP naming every verb',
    login: ['alice'],
    steps: [send('alice', 'help'), expect('alice', help())],
  },
];

export const helpChecks = scripts.map(scripted);
