import net from 'node:net';
import tls from 'node:tls';
import { CHANNEL_BINDING } from '../crypto/challenge.js';
import { LineDecoder, encodeServer, parseRequest, type LineSink, type ParseResult } from '../protocol/index.js';
import { CLOSE_GRACE_MS, type ServerConfig } from './config.js';
import type { Logger } from './logger.js';
import type { SessionLink } from './session.js';
import { OutputQueue, WriteCoalescer, type FlushHooks, type OutputSink } from './write-coalescer.js';

/**
 * The one file that touches sockets: socket -> LineDecoder -> parseRequest -> handler, and
 * handler -> link.send -> output queue -> socket (write-coalescer.ts), and each connection's one
 * way to end (terminate).
 */

export type TransportOptions = Pick<ServerConfig, 'host' | 'port' | 'maxClients' | 'maxLine' | 'maxQueue'> & {
  /** Serve TLS 1.3 (and nothing older) instead of plain TCP. */
  tlsMaterial?: TransportTls | undefined;
  /** Run around each turn's write flush; beforeFlush may queue more (the router's presence notices). */
  flushHooks?: FlushHooks | undefined;
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
  /** The server shuts down: say goodbye; the transport closes the connection afterwards. */
  shutdown(text: string): void;
  closed(reason: string): void;
}

/** Makes the handler of a new connection (and greets it); input flows only once it returns. */
export type HandlerFactory = (link: SessionLink) => ConnectionHandler;

/** Refused connections beyond max-clients that may wait for their ERR 503 at once; more are dropped by Node. */
const REFUSAL_BACKLOG = 256;

function peerOf(socket: net.Socket): string {
  const address = socket.remoteAddress ?? '?';
  return `${net.isIPv6(address) ? `[${address}]` : address}:${socket.remotePort ?? '?'}`;
}

/** Like ws's readyState, for a server-side connection: it only moves forward. */
const ConnectionState = {
  /** Input flows to the handler and output is queued. */
  OPEN: 'open',
  /** Terminating: no more input reaches the handler, no more output is taken; the socket ends or is cut. */
  CLOSING: 'closing',
  /** The socket closed and the handler was told why. */
  CLOSED: 'closed',
} as const;
type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/**
 * How terminate() ends a connection: 'graceful' sends what is queued, then FIN, and cuts a peer
 * that does not close within CLOSE_GRACE_MS; 'cut' destroys the socket now, sending nothing more.
 */
type Ending = 'graceful' | 'cut';

/**
 * A socket as its output queue sees it. A class, not an object of closures: one of these per
 * connection, so its size counts in the memory per idle client.
 */
class SocketSink implements OutputSink {
  readonly #socket: net.Socket;

  constructor(socket: net.Socket) {
    this.#socket = socket;
  }

  get unsentBytes(): number {
    return this.#socket.writableLength;
  }

  write(bytes: Buffer): boolean {
    return this.#socket.destroyed || this.#socket.write(bytes);
  }

  pauseInput(drained: () => void): void {
    this.#socket.pause();
    this.#socket.once('drain', drained);
  }

  resumeInput(): void {
    this.#socket.resume();
  }
}

/** Where a connection reports that it closed (the transport's set of connections). */
interface ConnectionOwner {
  released(connection: Connection): void;
}

/** The socket's owning connection, so the socket's listeners can be shared functions (see below). */
const CONNECTION = Symbol('connection');
type OwnedSocket = net.Socket & { [CONNECTION]: Connection };

// One function per event for all sockets, not closures per connection: an idle connection
// holds no listener of its own (docs/PERFORMANCE.md, memory per idle client).
function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[CONNECTION].received(chunk);
}
function onSocketError(this: OwnedSocket, error: NodeJS.ErrnoException): void {
  this[CONNECTION].failed(error);
}
function onSocketClose(this: OwnedSocket): void {
  this[CONNECTION].socketClosed();
}

/** One client connection; it is also its LineDecoder's sink, so no per-connection closures. */
class Connection implements SessionLink, LineSink {
  readonly peer: string;
  readonly #socket: net.Socket;
  readonly #output: OutputQueue;
  readonly #handler: ConnectionHandler;
  readonly #decoder: LineDecoder;
  readonly #maxLine: number;
  readonly #owner: ConnectionOwner;
  #state: ConnectionState = ConnectionState.OPEN;
  /** Logged as the disconnect: set by the terminate() that ended it; unset when the peer went first. */
  #closeReason: string | undefined;
  #graceTimer: NodeJS.Timeout | undefined;

  /** Makes the handler (which may greet), then lets input flow. */
  constructor(socket: net.Socket, options: TransportOptions, coalescer: WriteCoalescer, createHandler: HandlerFactory, owner: ConnectionOwner) {
    this.peer = peerOf(socket);
    this.#socket = socket;
    this.#owner = owner;
    this.#maxLine = options.maxLine;
    this.#output = new OutputQueue(new SocketSink(socket), options.maxQueue, coalescer);
    this.#handler = createHandler(this);
    this.#decoder = new LineDecoder(options.maxLine, this);
    (socket as OwnedSocket)[CONNECTION] = this;
    socket.on('data', onSocketData);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
  }

  /** A chunk from the socket. */
  received(chunk: Buffer): void {
    if (this.#state === ConnectionState.OPEN) this.#decoder.push(chunk);
  }

  /** LineSink: one request line. */
  line(bytes: Buffer): void {
    // Empty lines are ignored (a client may send them as keepalives).
    if (bytes.length === 0 || this.#state !== ConnectionState.OPEN) return;
    try {
      this.#handler.receive(parseRequest(bytes));
    } catch (error) {
      this.#internalError(error);
    }
  }

  /** LineSink: a line over max-line. */
  tooLong(): void {
    this.#deliver(() => this.#handler.lineTooLong(this.#maxLine));
  }

  /** The socket reported an error: the connection is cut. */
  failed(error: NodeJS.ErrnoException): void {
    this.#terminate(`reset (${error.code ?? error.message})`, 'cut');
  }

  /** The socket closed, for whatever reason. */
  socketClosed(): void {
    this.#closed();
  }

  send(data: string | Buffer): boolean {
    if (this.#state !== ConnectionState.OPEN || this.#socket.destroyed) return false;
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (this.#output.push(bytes)) return true;
    this.#terminate(`slow consumer (${this.#output.unsentBytes} bytes unsent, max-queue ${this.#output.maxQueue})`, 'cut');
    return false;
  }

  close(): void {
    this.#terminate('closed by server', 'graceful');
  }

  /** RFC 9266 tls-exporter value of a TLS connection, base64; '' on plain TCP. */
  channelBinding(): string {
    const socket = this.#socket;
    if (!(socket instanceof tls.TLSSocket)) return '';
    // TLS 1.3 makes no difference between an empty and an absent exporter context.
    return socket.exportKeyingMaterial(CHANNEL_BINDING.bytes, CHANNEL_BINDING.label, Buffer.alloc(0)).toString('base64');
  }

  /** Server shutdown: the handler says goodbye, then the connection closes. */
  shutdown(text: string): void {
    this.#deliver(() => this.#handler.shutdown(text));
    this.close();
  }

  /**
   * The one way a connection ends. The first call decides the reason, except that a cut while
   * closing gracefully replaces it: then the goodbye may not have arrived, and the log says so.
   */
  #terminate(reason: string, ending: Ending): void {
    const socket = this.#socket;
    if (this.#state === ConnectionState.CLOSING && ending === 'cut') {
      // A reset, or a handler that closed and then threw.
      this.#closeReason = reason;
      socket.destroy();
    }
    if (this.#state !== ConnectionState.OPEN) return;
    this.#state = ConnectionState.CLOSING;
    this.#closeReason = reason;
    if (ending === 'cut') {
      this.#output.discard();
      socket.destroy();
      return;
    }
    this.#output.flush();
    socket.end();
    // A peer that neither reads nor closes must not hold the socket forever.
    this.#graceTimer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  }

  #closed(): void {
    this.#state = ConnectionState.CLOSED;
    clearTimeout(this.#graceTimer);
    this.#output.discard();
    try {
      this.#handler.closed(this.#closeReason ?? 'peer closed');
    } finally {
      this.#owner.released(this);
    }
  }

  /**
   * Runs a handler call while the connection is open; a bug it throws on costs this connection
   * only (it is cut, and the reason logged as its disconnect), never the server and everyone else.
   */
  #deliver(call: () => void): void {
    if (this.#state !== ConnectionState.OPEN) return;
    try {
      call();
    } catch (error) {
      this.#internalError(error);
    }
  }

  #internalError(error: unknown): void {
    this.#terminate(`internal error (${error instanceof Error ? error.message : String(error)})`, 'cut');
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
  readonly #coalescer: WriteCoalescer;
  /** Set by close(): called once the last connection has closed. */
  #drained: (() => void) | undefined;
  /** Shared by every connection: forgets it once closed. */
  readonly #owner: ConnectionOwner = {
    released: (connection) => {
      this.#connections.delete(connection);
      if (this.#connections.size === 0) this.#drained?.();
    },
  };

  constructor(options: TransportOptions, logger: Logger, createHandler: HandlerFactory) {
    this.#options = options;
    this.#logger = logger;
    this.#createHandler = createHandler;
    this.#coalescer = new WriteCoalescer(undefined, options.flushHooks);
    this.#server =
      options.tlsMaterial === undefined ? net.createServer({ noDelay: true }, (socket) => this.#accept(socket)) : this.#tlsServer(options.tlsMaterial);
    // max-clients is enforced below with ERR 503; this only bounds how many refusals wait at once.
    this.#server.maxConnections = options.maxClients + REFUSAL_BACKLOG;
  }

  /** Makes sure this turn ends with a write flush (which runs the flush hooks). */
  requestFlush(): void {
    this.#coalescer.requestFlush();
  }

  /** Flushes every connection's queued output now. */
  flush(): void {
    this.#coalescer.flush();
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
    this.#connections.add(new Connection(socket, this.#options, this.#coalescer, this.#createHandler, this.#owner));
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
