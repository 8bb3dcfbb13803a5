import { createServer, type Socket } from 'node:net';

export interface FakeServer {
  port: number;
  close(): Promise<void>;
}

/**
 * A tiny raw TCP server on 127.0.0.1 for what the real server never does (send control
 * characters, never answer). `onConnection` gets each real socket.
 */
export async function startFakeServer(onConnection: (socket: Socket) => void): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake server has no port');
  return {
    port: address.port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
