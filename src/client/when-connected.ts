import type { Socket } from 'node:net';

/** Why a socket did not connect; `code` is the socket's (ECONNREFUSED, ENOTFOUND ...) or TIMEOUT. */
export class ConnectError extends Error {
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'ConnectError';
    this.code = code;
  }
}

/**
 * Resolves once `socket` (fresh from net.connect, or tls.connect with `event` 'secureConnect' to
 * wait for the handshake too) is connected; rejects with a ConnectError when it fails, or has not
 * connected within `timeoutMs` (the socket is then destroyed). Either way no listener of its own
 * is left on the socket, so the caller's error handling takes over.
 */
export function whenConnected(socket: Socket, timeoutMs: number, event: 'connect' | 'secureConnect' = 'connect'): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: ConnectError) => {
      clearTimeout(timer);
      socket.off(event, onConnect);
      socket.off('error', onError);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onConnect = () => settle();
    const onError = (error: NodeJS.ErrnoException) => settle(new ConnectError(error.message, error.code));
    const timer = setTimeout(() => {
      socket.destroy();
      settle(new ConnectError(`no connection within ${timeoutMs} ms`, 'TIMEOUT'));
    }, timeoutMs);
    socket.once(event, onConnect);
    socket.once('error', onError);
  });
}
