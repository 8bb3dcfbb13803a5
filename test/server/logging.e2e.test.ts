import { describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server-process.js';
import { waitUntil } from '../helpers/wait-until.js';
import { LineSocket } from './line-socket.js';

const ISO = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
const PEER = String.raw`127\.0\.0\.1:\d+`;

/** Runs a short chat against a server started with `args`; returns the server's log. */
async function chatLog(args: string[]): Promise<string> {
  const server = await startServer(args);
  const alice = await LineSocket.login(server.port, 'alice');
  const bob = await LineSocket.login(server.port, 'bob');
  await alice.request('MSG bob the secret direct words', 'OK MSG bob');
  await alice.request('MSG ALL the secret broadcast words', /^OK MSG ALL/);
  await alice.request('PING', 'PONG');
  await alice.request('LOGOFF alice', 'OK LOGOFF alice');
  bob.destroy();
  // Stopping before the server saw bob go would log his end as closed by the server.
  await waitUntil(() => / bob disconnect /.test(server.log()), 'the server logs that bob disconnected', { detail: server.log });
  await server.stop();
  return server.log();
}

describe('server log (e2e)', () => {
  it('one line per event: time, peer, client-id or -, event; no message text by default', async () => {
    const log = await chatLog([]);
    const lines = log.trim().split('\n');
    expect(lines.filter((line) => /^listening on 127\.0\.0\.1:\d+$/.test(line))).toHaveLength(1);
    for (const line of lines.filter((line) => !line.startsWith('listening on '))) {
      expect(line).toMatch(new RegExp(`^${ISO} (${PEER}|-) \\S+ \\S`));
    }
    expect(log).toMatch(new RegExp(`^${ISO} ${PEER} - connect$`, 'm'));
    expect(log).toMatch(new RegExp(`^${ISO} ${PEER} - LOGIN alice$`, 'm'));
    expect(log).toMatch(new RegExp(`^${ISO} ${PEER} alice MSG bob$`, 'm'));
    expect(log).toMatch(new RegExp(`^${ISO} ${PEER} alice MSG ALL$`, 'm'));
    expect(log).toMatch(new RegExp(`^${ISO} ${PEER} alice PING$`, 'm'));
    expect(log).toMatch(new RegExp(`^${ISO} ${PEER} alice LOGOFF alice$`, 'm'));
    expect(log).toMatch(new RegExp(`^${ISO} ${PEER} bob disconnect (peer closed|reset \\(\\w+\\))$`, 'm'));
    expect(log).toMatch(new RegExp(`^${ISO} - - shutdown SIGTERM$`, 'm'));
    expect(log).not.toContain('secret');
  });

  it('--log-text adds the message text, quoted', async () => {
    const log = await chatLog(['--log-text']);
    expect(log).toMatch(new RegExp(`^${ISO} ${PEER} alice MSG bob text="the secret direct words"$`, 'm'));
    expect(log).toMatch(new RegExp(`^${ISO} ${PEER} alice MSG ALL text="the secret broadcast words"$`, 'm'));
  });
});
