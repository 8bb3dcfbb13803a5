import { type Script, scripted } from '../script.js';
import { close, closed, connectStep, expect, loginStep, logoff, quiet, send, type Step } from '../steps.js';

/** A new connection takes over the id of `client`, which has left; `watcher` sees it join. */
function reuseId(client: string, watcher: string): Step[] {
  const fresh = `${client}2`;
  return [connectStep(fresh), send(fresh, `LOGIN {${client}}`), expect(fresh, `OK LOGIN {${client}}`), expect(watcher, `JOINED {${client}}`)];
}

const scripts: Script[] = [
  {
    group: 'presence',
    name: 'logoff',
    title: 'LOGOFF <own id>: OK LOGOFF <id>, the server closes, the others get LEFT <id>',
    login: ['alice', 'bob'],
    steps: [...logoff('bob', 'alice'), quiet()],
  },
  {
    group: 'presence',
    name: 'logoff-verb-any-case',
    title: 'logoff in lower case works like LOGOFF',
    login: ['alice', 'bob'],
    steps: [send('bob', 'logoff {bob}'), expect('bob', 'OK LOGOFF {bob}'), closed('bob'), expect('alice', 'LEFT {bob}')],
  },
  {
    group: 'presence',
    name: 'logoff-id-any-case',
    title: 'LOGOFF of the own id in other case logs off; replies and LEFT name the id as given at LOGIN',
    login: ['alice', 'Bob'],
    steps: [send('Bob', 'LOGOFF {BOB}'), expect('Bob', 'OK LOGOFF {Bob}'), closed('Bob'), expect('alice', 'LEFT {Bob}')],
  },
  {
    group: 'presence',
    name: 'left-on-close',
    title: 'a logged-in client that closes without LOGOFF counts as a logoff: the others get LEFT <id>',
    login: ['alice', 'bob'],
    steps: [close('bob', 'end'), expect('alice', 'LEFT {bob}'), quiet()],
  },
  {
    group: 'presence',
    name: 'id-free-after-logoff',
    title: 'after LOGOFF the id can be used again by a new connection',
    login: ['alice', 'bob'],
    steps: [...logoff('bob', 'alice'), ...reuseId('bob', 'alice')],
  },
  {
    group: 'presence',
    name: 'id-free-after-close',
    title: 'after a close without LOGOFF the id can be used again',
    login: ['alice', 'bob'],
    steps: [close('bob', 'end'), expect('alice', 'LEFT {bob}'), ...reuseId('bob', 'alice')],
  },
  {
    group: 'presence',
    name: 'no-left-for-anonymous',
    title: 'a connection that never logged in leaves without a LEFT',
    steps: [connectStep('anon'), loginStep('alice'), close('anon', 'end'), quiet('alice')],
  },
];

export const presenceChecks = scripts.map(scripted);
