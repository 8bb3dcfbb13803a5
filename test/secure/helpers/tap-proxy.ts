import net from 'node:net';

/** Rewrites one server-to-client line (without LF) into zero or more lines. */
export type LineRewriter = (line: string) => string[];

export interface TapProxy {
  port: number;
  /** Every byte that crossed the proxy, both directions, in order. */
  bytes(): Buffer;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of the server that records every byte in both directions (what a
 * capture on the path would see). With `rewrite`, it also plays the man in the middle on the
 * server-to-client direction, line by line.
 */
export async function startTapProxy(targetPort: number, rewrite?: LineRewriter): Promise<TapProxy> {
  const recorded: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      recorded.push(Buffer.from(chunk));
      upstream.write(chunk);
    });
    let pending = '';
    upstream.on('data', (chunk) => {
      recorded.push(Buffer.from(chunk));
      if (rewrite === undefined) {
        client.write(chunk);
        return;
      }
      pending += chunk.toString('utf8');
      let lf;
      while ((lf = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, lf);
        pending = pending.slice(lf + 1);
        for (const out of rewrite(line)) client.write(`${out}\n`);
      }
    });
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', closeBoth).on('error', closeBoth);
    upstream.on('close', closeBoth).on('error', closeBoth);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    bytes: () => Buffer.concat(recorded),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
