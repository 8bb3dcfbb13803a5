import net from 'node:net';
import { setTimeout } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { CLOSE_GRACE_MS } from '../../src/server/config.js';
import { Logger } from '../../src/server/logger.js';
import { Transport, type ConnectionHandler } from '../../src/server/transport.js';
import { LineSocket } from './line-socket.js';

// The transport on real sockets, in this process, with a handler that is not a Session.
describe('Transport', () => {
  let transport: Transport | undefined;
  afterEach(async () => {
    await transport?.close('test over');
    transport = undefined;
  });

  async function listen(): Promise<{ port: number; log: string[] }> {
    const log: string[] = [];
    const logger = new Logger({ logText: false, write: (line) => log.push(line) });
    const options = { host: '127.0.0.1', port: 0, maxClients: 10, maxLine: 64, maxQueue: 65536 };
    transport = new Transport(options, logger, (link) => {
      link.send('HELLO CHAT-MSG/1 echo\n');
      const handler: ConnectionHandler = {
        receive(result) {
          if (result.ok && result.request.verb === 'PING' && result.request.token === 'boom') throw new Error('handler bug');
          link.send(result.ok ? `OK ${result.request.verb}\n` : `ERR 400 ${result.detail}\n`);
          if (result.ok && result.request.verb === 'LOGOFF') link.close();
        },
        lineTooLong: () => link.send('ERR 413 too long\n'),
        shutdown: (text) => link.send(`BYE ${text}\n`),
        closed: (reason) => log.push(`closed ${link.peer} ${reason}`),
      };
      return handler;
    });
    const { port } = await transport.listen();
    return { port, log };
  }

  it('a handler that throws costs only its own connection', async () => {
    const { port, log } = await listen();
    const victim = await LineSocket.connect(port);
    const bystander = await LineSocket.connect(port);
    expect(await victim.request('PING', /^OK/)).toBe('OK PING');
    victim.send('PING boom\nPING never-handled\n');
    await victim.waitClosed();
    expect(victim.lines).toEqual(['HELLO CHAT-MSG/1 echo', 'OK PING']);
    expect(log.some((line) => /^closed 127\.0\.0\.1:\d+ internal error \(handler bug\)$/.test(line))).toBe(true);
    expect(await bystander.request('HELP', /^OK/)).toBe('OK HELP');
    bystander.destroy();
  });

  it('close says BYE through the handler and waits for every connection to close', async () => {
    const { port, log } = await listen();
    const clients = await Promise.all([LineSocket.connect(port), LineSocket.connect(port)]);
    await Promise.all(clients.map((client) => client.waitFor(/^HELLO/)));
    await transport!.close('going down');
    transport = undefined;
    for (const client of clients) {
      expect(client.lines.at(-1)).toBe('BYE going down');
      await client.waitClosed();
    }
    expect(log.filter((line) => line.startsWith('closed '))).toHaveLength(2);
  });

  /** The reasons logged for the connections that closed. */
  const reasons = (log: string[]) => log.filter((line) => line.startsWith('closed ')).map((line) => line.replace(/^closed \S+ /, ''));

  it('input sent before the greeting is read reaches a handler that exists', async () => {
    const { port } = await listen();
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.write('PING early\n');
    const client = await LineSocket.adopt(socket);
    expect(await client.waitFor(/^OK/)).toBe('OK PING');
    expect(client.lines).toEqual(['HELLO CHAT-MSG/1 echo', 'OK PING']);
    client.destroy();
  });

  it('a graceful close sends what was queued, then FIN; nothing after it is handled', async () => {
    const { port, log } = await listen();
    const client = await LineSocket.connect(port);
    client.send('PING a\nLOGOFF me\nPING never-handled\n');
    await client.waitClosed();
    expect(client.lines).toEqual(['HELLO CHAT-MSG/1 echo', 'OK PING', 'OK LOGOFF']);
    await waitUntil(() => reasons(log).length > 0);
    expect(reasons(log)).toEqual(['closed by server']);
  });

  /** A client that logs off and has the server's goodbye, half-open: it takes the FIN and sends none. */
  async function saidGoodbye(port: number): Promise<LineSocket> {
    const client = await LineSocket.adopt(net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }));
    client.send('LOGOFF me\n');
    await client.waitFor('OK LOGOFF');
    return client;
  }

  it('a peer that does not close after the goodbye is cut after the grace time', async () => {
    const { port, log } = await listen();
    const client = await saidGoodbye(port);
    const closedAt = Date.now();
    await waitUntil(() => reasons(log).length > 0, CLOSE_GRACE_MS + 5000);
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(CLOSE_GRACE_MS - 100);
    expect(reasons(log)).toEqual(['closed by server']);
    client.destroy();
  });

  it('a reset while the server closes gracefully is logged as the reset', async () => {
    const { port, log } = await listen();
    const client = await saidGoodbye(port);
    client.socket.resetAndDestroy();
    await waitUntil(() => reasons(log).length > 0);
    expect(reasons(log)).toEqual(['reset (ECONNRESET)']);
  });
});

/** Polls `condition` until it holds; fails after `timeoutMs`. */
async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs}ms`);
    await setTimeout(10);
  }
}
