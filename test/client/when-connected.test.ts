import { connect, createServer, Socket, type Server } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectError, whenConnected } from '../../src/client/when-connected.js';

const servers: Server[] = [];
const sockets: Socket[] = [];

async function listening(onConnection: (socket: Socket) => void = () => {}): Promise<number> {
  const server = createServer((socket) => {
    sockets.push(socket);
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** A port nothing listens on: one that was just listened on and closed. */
async function closedPort(): Promise<number> {
  const port = await listening();
  await new Promise((resolve) => servers.pop()!.close(resolve));
  return port;
}

function tracked(socket: Socket): Socket {
  sockets.push(socket);
  return socket;
}

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('whenConnected', () => {
  it('resolves once connected and leaves no listener of its own behind', async () => {
    const socket = tracked(connect({ host: '127.0.0.1', port: await listening() }));
    await whenConnected(socket, 5000);
    expect(socket.readyState).toBe('open');
    expect(socket.listenerCount('error')).toBe(0);
    expect(socket.listenerCount('connect')).toBe(0);
  });

  it('rejects with the socket error code when nothing listens', async () => {
    const socket = tracked(connect({ host: '127.0.0.1', port: await closedPort() }));
    const error = await whenConnected(socket, 5000).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', message: expect.stringMatching(/ECONNREFUSED/) });
    expect(socket.listenerCount('error')).toBe(0);
  });

  it('rejects with TIMEOUT and destroys a socket that never connects', async () => {
    // A socket that is never told to connect stands for a SYN that no one answers.
    const socket = tracked(new Socket());
    const error = await whenConnected(socket, 20).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectError);
    expect(error).toMatchObject({ code: 'TIMEOUT', message: 'no connection within 20 ms' });
    expect(socket.destroyed).toBe(true);
    expect(socket.listenerCount('connect')).toBe(0);
  });

  it("with 'secureConnect', waits for the TLS handshake: a peer that accepts TCP and then hangs up is a failure", async () => {
    // Not a TLS server: the TCP connection is made, the handshake never completes.
    const port = await listening((socket) => socket.end());
    const socket = tracked(connectTls({ host: '127.0.0.1', port, rejectUnauthorized: true }));
    const error = await whenConnected(socket, 5000, 'secureConnect').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectError);
    expect(error).toMatchObject({ code: 'ECONNRESET' });
    expect(socket.listenerCount('secureConnect')).toBe(0);
  });
});
