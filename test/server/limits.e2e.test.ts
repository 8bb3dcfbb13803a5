import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server-process.js';
import { waitUntil } from '../helpers/wait-until.js';
import { LineSocket, SocketPool, sleep } from './line-socket.js';

// --login-timeout, --max-clients and --rate-limit against the real server process.
/**
 * A connection that got HELLO: retried (bounded) while the server is still freeing the slots of
 * connections that just closed, which it does after their clients see the close.
 */
async function admitted(port: number): Promise<LineSocket> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const client = await LineSocket.connect(port);
    if ((await client.waitFor(/^(HELLO|ERR 503)/)).startsWith('HELLO')) return client;
    await client.waitClosed();
    await sleep(20);
  }
  throw new Error('no slot came free');
}

describe('server limits (e2e)', () => {
  let server: RunningServer | undefined;
  const pool = new SocketPool(() => server!.port);
  const start = async (...args: string[]) => {
    server = await startServer(args);
    return server;
  };
  afterEach(async () => {
    pool.destroyAll();
    expect(await server?.stop()).toBe(0);
    server = undefined;
  });

  it('408: no LOGIN within --login-timeout, then the server closes; logged-in clients stay', async () => {
    await start('--login-timeout', '0.5');
    const staying = await pool.login('stays');
    const idle = await pool.connect();
    const started = Date.now();
    expect(await idle.waitFor(/^ERR/, 5000)).toBe('ERR 408 no LOGIN in time, closing');
    await idle.waitClosed();
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await sleep(300); // a quiet while: the logged-in client must not be closed in it
    expect(staying.isClosed).toBe(false);
    expect(await staying.request('PING', /^PONG/)).toBe('PONG');
    expect(staying.lines.filter((line) => line.startsWith('ERR'))).toEqual([]);
  });

  it('503: one connection beyond --max-clients gets ERR 503 and is closed; a freed slot is reused', async () => {
    await start('--max-clients', '3');
    const first = await pool.login('one');
    await pool.connect();
    await pool.connect();
    const refused = await LineSocket.connect(server!.port);
    expect(await refused.waitFor(/^(ERR|HELLO)/)).toBe('ERR 503 server full, try again later');
    await refused.waitClosed();
    expect(refused.lines).toHaveLength(1);
    first.socket.end();
    await first.waitClosed();
    const later = await admitted(server!.port);
    pool.adopt(later);
    await later.request('LOGIN later', 'OK LOGIN later');
    expect(await later.request('LIST', /^OK LIST/)).toBe('OK LIST 1 later');
  });

  it('every way of ending a connection frees its slot exactly once', async () => {
    await start('--max-clients', '3', '--rate-limit', '0');
    for (let round = 0; round < 10; round++) {
      const [a, b, c] = [await admitted(server!.port), await admitted(server!.port), await admitted(server!.port)];
      await a.request(`LOGIN r${round}`, `OK LOGIN r${round}`);
      await a.request(`LOGOFF r${round}`, `OK LOGOFF r${round}`);
      b.socket.end();
      c.socket.resetAndDestroy();
      await Promise.all([a.waitClosed(), b.waitClosed(), c.closed]);
    }
    const holders = [await admitted(server!.port), await admitted(server!.port), await admitted(server!.port)];
    const refused = await LineSocket.connect(server!.port);
    expect(await refused.waitFor(/^(HELLO|ERR)/)).toBe('ERR 503 server full, try again later');
    for (const client of [...holders, refused]) client.destroy();
  });

  it('no per-address limit: many connections from one address all get in', async () => {
    await start('--max-clients', '20');
    const clients = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.login(`nat-${i}`)));
    expect(await clients[0]!.request('LIST', /^OK LIST/)).toMatch(/^OK LIST 20 /);
  });

  it('429: requests beyond --rate-limit (burst 4 s worth) are dropped with ERR 429; then it recovers', async () => {
    await start('--rate-limit', '5');
    const watcher = await pool.login('rl-w');
    const client = await pool.login('rl-me');
    // Refill the bucket the LOGIN took from. Time that must pass, not an event to wait for: a longer
    // pause on a loaded machine changes nothing, the bucket holds 20 at most.
    await sleep(1000);
    const burst = Array.from({ length: 40 }, (_, i) => `MSG rl-w flood ${i}\n`).join('');
    client.send(burst);
    const replies = () => client.lines.filter((line) => line === 'OK MSG rl-w' || line.startsWith('ERR 429')).length;
    await waitUntil(() => replies() >= 40, 'a reply to each of the 40 requests', { detail: () => client.lines.join('\n') });
    const oks = client.lines.filter((line) => line === 'OK MSG rl-w').length;
    const limited = client.lines.filter((line) => line === 'ERR 429 too many requests, request dropped').length;
    expect(oks + limited).toBe(40);
    expect(oks).toBeGreaterThanOrEqual(20);
    expect(oks).toBeLessThanOrEqual(22);
    // Dropped means dropped: the recipient got exactly the accepted ones.
    await watcher.request('PING sync', 'PONG sync');
    expect(watcher.lines.filter((line) => line.startsWith('MSG rl-me'))).toHaveLength(oks);
    await sleep(600); // time for the bucket to refill by 3 requests (5 per s); more time only adds
    expect(await client.request('PING again', /^PONG/)).toBe('PONG again');
    expect(client.lines.filter((line) => line.startsWith('ERR 429'))).toHaveLength(limited);
  });

  it('--rate-limit 0 turns the limit off', async () => {
    await start('--rate-limit', '0');
    const client = await pool.connect();
    client.send(Array.from({ length: 1000 }, (_, i) => `PING ${i}\n`).join(''));
    await client.waitFor('PONG 999');
    expect(client.lines.filter((line) => line.startsWith('ERR'))).toEqual([]);
  });

  it('the default rate limit lets a scripted burst of 150 requests through', async () => {
    await start();
    const client = await pool.login('scripted');
    client.send(Array.from({ length: 150 }, (_, i) => `PING ${i}\n`).join(''));
    await client.waitFor('PONG 149');
    expect(client.lines.filter((line) => line.startsWith('ERR'))).toEqual([]);
  });
});
