import { connect, isIP, type Socket } from 'node:net';
import { TLSSocket, connect as connectTls } from 'node:tls';
import { CHANNEL_BINDING } from '../crypto/challenge.js';
import { LineDecoder, parseServerLine } from '../protocol/index.js';
import { CLIENT_EXIT, type ClientExitCode } from './exit-codes.js';

export interface ConnectionOptions {
  host: string;
  port: number;
  /** Seconds without any received byte before a keepalive PING, and then to wait for its reply; 0 = off. */
  keepaliveSeconds: number;
  /** Give up connecting after this many seconds. */
  connectTimeoutSeconds?: number;
  /** Longest line accepted from the server, bytes including LF. */
  maxLine?: number;
  /** Speak TLS 1.3 (and nothing older), verifying the server's certificate. */
  tls?: ClientTls | undefined;
}

export interface ClientTls {
  /** Trusted CA certificates, PEM (--ca); the system's CAs when absent. */
  ca?: Buffer | undefined;
  /** Receives each NSS key log line (with its LF), for Wireshark (--keylog). */
  keylog?: ((line: Buffer) => void) | undefined;
}

/** Why a connection ended, with the exit code the terminal client uses for it. */
export interface CloseReason {
  exitCode: ClientExitCode;
  /** One line for people: `connection refused by 127.0.0.1:5151 (is the server running?)`. */
  message: string;
}

/** What a connection reports. Every method is called on the event loop, never re-entrantly. */
export interface ConnectionEvents {
  connected(remote: string): void;
  /** A line the client wrote to the socket, exactly as sent (without LF). */
  sent(line: string): void;
  /** A line from the server, decoded as UTF-8 (invalid bytes replaced), not yet escaped for a terminal. */
  received(line: string): void;
  /** Something the client itself wants to say: keepalive, a skipped over-long line ... */
  notice(text: string): void;
  /** Called once, at the end. */
  closed(reason: CloseReason): void;
}

export const KEEPALIVE_TOKEN = 'keepalive';
const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;
/** Generous: a server line is at most its --max-line; this only bounds a broken peer. */
const DEFAULT_MAX_LINE = 1024 * 1024;

const CONNECT_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the server running, on that port?)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
};

const utf8 = new TextDecoder('utf-8');

/**
 * One client connection to a CHAT-MSG server: socket, line framing, keepalive, and a clear
 * reason when it ends. No terminal here, so the UI, the scenario tools and the checkers can share it.
 */
export class ChatConnection {
  readonly #options: ConnectionOptions;
  readonly #events: ConnectionEvents;
  readonly #socket: Socket;
  readonly #decoder: LineDecoder;
  readonly #target: string;
  #connected = false;
  #queued: string[] = [];
  #endAfterQueue = false;
  #endedByUs = false;
  #loggedOff = false;
  #bye: string | undefined;
  #lastLine: string | undefined;
  #closeReason: CloseReason | undefined;
  #quietTimer: NodeJS.Timeout | undefined;
  #replyTimer: NodeJS.Timeout | undefined;
  #connectTimer: NodeJS.Timeout | undefined;

  constructor(options: ConnectionOptions, events: ConnectionEvents) {
    this.#options = options;
    this.#events = events;
    this.#target = `${options.host}:${options.port}`;
    this.#decoder = new LineDecoder(options.maxLine ?? DEFAULT_MAX_LINE, {
      line: (bytes) => this.#onLine(utf8.decode(bytes)),
      tooLong: () => this.#events.notice(`the server sent a line longer than ${options.maxLine ?? DEFAULT_MAX_LINE} bytes; skipped`),
    });
    this.#socket = options.tls === undefined ? connect({ host: options.host, port: options.port }) : this.#connectTls(options.tls);
    this.#socket.setNoDelay(true);
    const connectSeconds = options.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS;
    this.#connectTimer = setTimeout(() => this.#fail(CLIENT_EXIT.cannotConnect, `cannot connect to ${this.#target}: timed out after ${connectSeconds}s`), connectSeconds * 1000);
    this.#socket.on(options.tls === undefined ? 'connect' : 'secureConnect', () => this.#onConnect());
    this.#socket.on('data', (chunk: Buffer) => {
      this.#armKeepalive();
      this.#decoder.push(chunk);
    });
    this.#socket.on('error', (error: NodeJS.ErrnoException) => this.#onError(error));
    this.#socket.on('close', () => this.#onClose());
  }

  /** RFC 9266 tls-exporter value (base64) that login proofs are bound to; '' on plain TCP. */
  channelBinding(): string {
    const socket = this.#socket;
    if (!(socket instanceof TLSSocket) || !this.#connected) return '';
    return socket.exportKeyingMaterial(CHANNEL_BINDING.bytes, CHANNEL_BINDING.label, Buffer.alloc(0)).toString('base64');
  }

  #connectTls({ ca, keylog }: ClientTls): TLSSocket {
    const { host, port } = this.#options;
    // SNI carries names only; an IP address is still checked against the certificate's SANs.
    const socket = connectTls({ host, port, ca, minVersion: 'TLSv1.3', ...(isIP(host) === 0 ? { servername: host } : {}) });
    if (keylog !== undefined) socket.on('keylog', keylog);
    return socket;
  }

  // #region report:client-send (report section 2.1: the client writes one line per PDU)
  /** Sends one line as typed (an LF is added). Before the connection is up, lines wait in order. */
  send(line: string): void {
    if (this.#closeReason || this.#endedByUs) {
      this.#events.notice(`not connected; not sent: ${line}`);
      return;
    }
    if (!this.#connected) {
      this.#queued.push(line);
      return;
    }
    this.#socket.write(`${line}\n`);
    this.#events.sent(line);
  }
  // #endregion report:client-send

  /** No more input: half-close after anything queued is sent; the server then closes and we end cleanly. */
  end(): void {
    if (this.#closeReason) return;
    if (!this.#connected) {
      this.#endAfterQueue = true;
      return;
    }
    this.#endedByUs = true;
    clearTimeout(this.#quietTimer);
    this.#socket.end();
    // A server that never closes its side must not keep us forever.
    setTimeout(() => this.#socket.destroy(), 5000).unref();
  }

  /** Closes at once (no goodbye): the end of an interactive session interrupted by the user. */
  destroy(): void {
    this.#endedByUs = true;
    this.#socket.destroy();
  }

  #onConnect(): void {
    clearTimeout(this.#connectTimer);
    this.#connected = true;
    this.#events.connected(`${this.#socket.remoteAddress}:${this.#socket.remotePort}`);
    this.#armKeepalive();
    const queued = this.#queued;
    this.#queued = [];
    for (const line of queued) this.send(line);
    if (this.#endAfterQueue) this.end();
  }

  #onLine(line: string): void {
    this.#lastLine = line;
    const pdu = parseServerLine(line);
    if (pdu.kind === 'OK' && pdu.verb === 'LOGOFF') this.#loggedOff = true;
    if (pdu.kind === 'BYE') this.#bye = pdu.text;
    this.#events.received(line);
  }

  #armKeepalive(): void {
    clearTimeout(this.#replyTimer);
    this.#replyTimer = undefined;
    clearTimeout(this.#quietTimer);
    const seconds = this.#options.keepaliveSeconds;
    if (seconds <= 0 || this.#closeReason || this.#endedByUs) return;
    this.#quietTimer = setTimeout(() => {
      this.#events.notice(`keepalive: nothing received for ${seconds}s, sending PING`);
      this.send(`PING ${KEEPALIVE_TOKEN}`);
      this.#replyTimer = setTimeout(
        () => this.#fail(CLIENT_EXIT.connectionLost, `connection lost: no reply to the keepalive PING within ${seconds}s`),
        seconds * 1000,
      );
    }, seconds * 1000);
  }

  #onError(error: NodeJS.ErrnoException): void {
    if (!this.#connected) {
      const why = CONNECT_ERRORS[error.code ?? ''] ?? error.message;
      this.#fail(CLIENT_EXIT.cannotConnect, `cannot connect to ${this.#target}: ${why}`);
    } else if (error.code === 'ECONNRESET' || error.code === 'EPIPE') {
      this.#fail(CLIENT_EXIT.connectionLost, `connection lost: ${this.#target} reset the connection`);
    } else {
      this.#fail(CLIENT_EXIT.connectionLost, `connection lost: ${error.message}`);
    }
  }

  /** Decides once why the connection ends; the close event then reports it. */
  #fail(exitCode: ClientExitCode, message: string): void {
    if (this.#closeReason) return;
    this.#closeReason = { exitCode, message };
    this.#socket.destroy();
  }

  #onClose(): void {
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#quietTimer);
    clearTimeout(this.#replyTimer);
    this.#closeReason ??= this.#cleanCloseReason();
    this.#events.closed(this.#closeReason);
  }

  #cleanCloseReason(): CloseReason {
    if (this.#bye !== undefined) return { exitCode: CLIENT_EXIT.serverShutdown, message: `the server is shutting down: ${this.#bye}` };
    if (this.#loggedOff) return { exitCode: CLIENT_EXIT.ok, message: 'logged off; connection closed' };
    if (this.#endedByUs) return { exitCode: CLIENT_EXIT.ok, message: 'end of input; connection closed' };
    const last = this.#lastLine === undefined ? '' : ` (its last line: ${this.#lastLine})`;
    return { exitCode: CLIENT_EXIT.connectionLost, message: `connection lost: the server closed the connection${last}` };
  }
}
