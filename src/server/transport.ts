import net from 'node:net';
import tls from 'node:tls';
import { CHANNEL_BINDING } from '../crypto/challenge.js';
import { LineDecoder, encodeServer, parseRequest, type ParseResult } from '../protocol/index.js';
import { CLOSE_GRACE_MS, type ServerConfig } from './config.js';
import type { Logger } from './logger.js';
import type { SessionLink } from './session.js';

/**
 * The one file that touches sockets: socket -> LineDecoder -> parseRequest -> handler, and
 * handler -> link.send -> socket, with write coalescing, backpressure, timeouts and clean close.
 */

export type TransportOptions = Pick<ServerConfig, 'host' | 'port' | 'maxClients' | 'maxLine' | 'loginTimeoutMs' | 'maxQueue'> & {
  /** Serve TLS 1.3 (and nothing older) instead of plain TCP. */
  tlsMaterial?: TransportTls | undefined;
};

/** Certificate chain and key (PEM) for --tls, and where the TLS key log goes (--keylog). */
export interface TransportTls {
  cert: Buffer;
  key: Buffer;
  /** Receives each NSS key log line (with its LF) so Wireshark can decrypt a capture. */
  keylog?: ((line: Buffer) => void) | undefined;
}

/** What the transport drives for each connection; Session implements it. */
export interface ConnectionHandler {
  receive(result: ParseResult): void;
  lineTooLong(maxLine: number): void;
  loginTimedOut(): void;
  shutdown(text: string): void;
  closed(reason: string): void;
}

/** Makes the handler of a new connection (and greets it). */
export type HandlerFactory = (link: SessionLink) => ConnectionHandler;

/**
 * Bytes gathered in one turn after which a connection is flushed at once: keeps syscalls few
 * without letting a burst of this turn's output count as a backlog against --max-queue.
 */
const FLUSH_THRESHOLD = 16 * 1024;

/** Refused connections beyond max-clients that may wait for their ERR 503 at once; more are dropped by Node. */
const REFUSAL_BACKLOG = 256;

function peerOf(socket: net.Socket): string {
  const address = socket.remoteAddress ?? '?';
  return `${net.isIPv6(address) ? `[${address}]` : address}:${socket.remotePort ?? '?'}`;
}

/**
 * Gathers the connections written to in this event-loop turn and flushes them all once the
 * turn's I/O callbacks have run: a broadcast, or many replies to one pipelined chunk, leaves
 * each socket as one write instead of one syscall per line.
 */
class WriteCoalescer {
  #pending = new Set<Connection>();
  #scheduled = false;

  add(connection: Connection): void {
    this.#pending.add(connection);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.#scheduled = false;
    const pending = this.#pending;
    this.#pending = new Set();
    for (const connection of pending) connection.flush();
  }
}

class Connection implements SessionLink {
  readonly peer: string;
  readonly #socket: net.Socket;
  readonly #options: TransportOptions;
  readonly #coalescer: WriteCoalescer;
  readonly #decoder: LineDecoder;
  /** Until LOGIN: cleared then, so an idle logged-in client holds no timer. */
  #loginTimer: NodeJS.Timeout | undefined;
  #handler: ConnectionHandler | undefined;
  #graceTimer: NodeJS.Timeout | undefined;
  /**
   * Output of this turn, not yet handed to the socket. An array push per line instead of a
   * stream write per line: a broadcast costs each recipient a push, and the flush one write.
   */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #paused = false;
  #closing = false;
  #closeReason = 'peer closed';

  constructor(socket: net.Socket, options: TransportOptions, coalescer: WriteCoalescer) {
    this.peer = peerOf(socket);
    this.#socket = socket;
    this.#options = options;
    this.#coalescer = coalescer;
    this.#decoder = new LineDecoder(options.maxLine, {
      line: (bytes) => {
        // Empty lines are ignored (a client may send them as keepalives).
        if (!this.#closing && bytes.length > 0) this.#guard(() => this.#handler!.receive(parseRequest(bytes)));
      },
      tooLong: () => {
        if (!this.#closing) this.#guard(() => this.#handler!.lineTooLong(options.maxLine));
      },
    });
    this.#loginTimer = setTimeout(() => {
      if (!this.#closing) this.#guard(() => this.#handler!.loginTimedOut());
    }, options.loginTimeoutMs);
  }

  /** Wires the socket to the handler; from now on input flows. */
  start(handler: ConnectionHandler, onClose: () => void): void {
    this.#handler = handler;
    const socket = this.#socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.#closeReason = `reset (${error.code ?? error.message})`;
    });
    socket.on('close', () => {
      clearTimeout(this.#loginTimer);
      clearTimeout(this.#graceTimer);
      this.#closing = true;
      try {
        handler.closed(this.#closeReason);
      } finally {
        onClose();
      }
    });
  }

  send(data: string | Buffer): boolean {
    const socket = this.#socket;
    if (this.#closing || socket.destroyed) return false;
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const unsent = socket.writableLength + this.#pendingBytes;
    if (unsent + bytes.length > this.#options.maxQueue) {
      this.#closeReason = `slow consumer (${unsent} bytes unsent, max-queue ${this.#options.maxQueue})`;
      this.#closing = true;
      this.#pending = [];
      this.#pendingBytes = 0;
      socket.destroy();
      return false;
    }
    if (this.#pending.length === 0) this.#coalescer.add(this);
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes >= FLUSH_THRESHOLD) this.flush();
    return true;
  }

  loggedIn(): void {
    clearTimeout(this.#loginTimer);
    this.#loginTimer = undefined;
  }

  /** RFC 9266 tls-exporter value of a TLS connection, base64; '' on plain TCP. */
  channelBinding(): string {
    const socket = this.#socket;
    if (!(socket instanceof tls.TLSSocket)) return '';
    // TLS 1.3 makes no difference between an empty and an absent exporter context.
    return socket.exportKeyingMaterial(CHANNEL_BINDING.bytes, CHANNEL_BINDING.label, Buffer.alloc(0)).toString('base64');
  }

  /** Hands this turn's output to the socket as one buffer. */
  flush(): void {
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    const bytes = this.#pendingBytes;
    this.#pendingBytes = 0;
    if (!this.#socket.destroyed) this.#socket.write(pending.length === 1 ? pending[0]! : Buffer.concat(pending, bytes));
  }

  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#closeReason = 'closed by server';
    this.flush();
    this.#socket.end();
    // A peer that neither reads nor closes must not hold the socket forever.
    this.#graceTimer = setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS);
  }

  /** Server shutdown: the handler says BYE and closes. */
  shutdown(text: string): void {
    if (!this.#closing) this.#handler!.shutdown(text);
    this.close();
  }

  /**
   * Runs a handler call; a bug it throws on costs this connection only (it is cut, and the
   * reason logged as its disconnect), never the server and everyone else on it.
   */
  #guard(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#closeReason = `internal error (${error instanceof Error ? error.message : String(error)})`;
      this.#closing = true;
      this.#socket.destroy();
    }
  }

  #onData(chunk: Buffer): void {
    if (this.#closing) return;
    this.#decoder.push(chunk);
    // A client that sends but does not read: stop reading it until its replies drain,
    // so it throttles itself through TCP instead of growing our queue.
    const socket = this.#socket;
    if (socket.writableNeedDrain && !this.#paused) {
      this.#paused = true;
      socket.pause();
      socket.once('drain', () => {
        this.#paused = false;
        socket.resume();
      });
    }
  }
}

export interface ListeningAddress {
  host: string;
  port: number;
}

/** The TCP side of the server: accepts, refuses beyond max-clients, and closes everything on shutdown. */
export class Transport {
  readonly #options: TransportOptions;
  readonly #logger: Logger;
  readonly #createHandler: HandlerFactory;
  readonly #server: net.Server;
  readonly #connections = new Set<Connection>();
  readonly #coalescer = new WriteCoalescer();
  /** Set by close(): called once the last connection has closed. */
  #drained: (() => void) | undefined;

  constructor(options: TransportOptions, logger: Logger, createHandler: HandlerFactory) {
    this.#options = options;
    this.#logger = logger;
    this.#createHandler = createHandler;
    this.#server =
      options.tlsMaterial === undefined ? net.createServer({ noDelay: true }, (socket) => this.#accept(socket)) : this.#tlsServer(options.tlsMaterial);
    // max-clients is enforced below with ERR 503; this only bounds how many refusals wait at once.
    this.#server.maxConnections = options.maxClients + REFUSAL_BACKLOG;
  }

  listen(): Promise<ListeningAddress> {
    return new Promise((resolve, reject) => {
      const server = this.#server;
      server.once('error', reject);
      server.listen({ host: this.#options.host, port: this.#options.port }, () => {
        server.off('error', reject);
        server.on('error', (error) => this.#logger.log({ peer: '-', event: 'error', detail: error.message }));
        const address = server.address() as net.AddressInfo;
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  /**
   * Stops accepting, lets every handler say goodbye and closes all connections; resolves once
   * all are closed (a peer that does not close in CLOSE_GRACE_MS is cut).
   */
  async close(text: string): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    // Node counts a socket gone before its 'close' handlers ran: wait for ours too, so every
    // session has been told it closed.
    const drained = new Promise<void>((resolve) => {
      this.#drained = resolve;
      if (this.#connections.size === 0) resolve();
    });
    for (const connection of this.#connections) connection.shutdown(text);
    this.#coalescer.flush();
    await Promise.all([stopped, drained]);
  }

  #tlsServer({ cert, key, keylog }: TransportTls): tls.Server {
    const server = tls.createServer({ cert, key, minVersion: 'TLSv1.3' }, (socket) => {
      socket.setNoDelay(true);
      this.#accept(socket);
    });
    if (keylog !== undefined) server.on('keylog', (line: Buffer) => keylog(line));
    // A failed handshake never becomes a connection: log it, like any refusal.
    server.on('tlsClientError', (error, socket) => {
      this.#logger.log({ peer: peerOf(socket), event: 'tls-error', detail: (error as NodeJS.ErrnoException).code ?? error.message });
    });
    return server;
  }

  #accept(socket: net.Socket): void {
    if (this.#connections.size >= this.#options.maxClients) {
      this.#refuse(socket);
      return;
    }
    const connection = new Connection(socket, this.#options, this.#coalescer);
    this.#connections.add(connection);
    connection.start(this.#createHandler(connection), () => {
      this.#connections.delete(connection);
      if (this.#connections.size === 0) this.#drained?.();
    });
  }

  #refuse(socket: net.Socket): void {
    const peer = peerOf(socket);
    this.#logger.log({ peer, event: 'ERR 503', detail: `refused, ${this.#options.maxClients} connections open` });
    socket.on('error', () => {});
    socket.resume();
    socket.end(encodeServer.err('SERVER_FULL'));
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }
}
