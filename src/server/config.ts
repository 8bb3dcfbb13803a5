/** Everything the server can be told on its command line. Times are in milliseconds here. */
export interface ServerConfig {
  host: string;
  /** 0 = the OS picks an ephemeral port (tests use it). */
  port: number;
  /** Connections at once, logged in or not; one more gets ERR 503 and is closed. */
  maxClients: number;
  /** Bytes per line including its LF. */
  maxLine: number;
  /** Time a connection may take to log in before ERR 408 and close. */
  loginTimeoutMs: number;
  /** Bytes of unsent output a connection may have before it is dropped as a slow consumer. */
  maxQueue: number;
  /** Requests per second per connection; 0 turns rate limiting off. */
  rateLimit: number;
  /** Write message text into the log (off by default: the log is about traffic, not content). */
  logText: boolean;
  /** The secure extension's registry of identity keys (--registry); in memory only when absent. */
  registry?: string | undefined;
  /** Ids the registry may hold (--max-registered), with or without a file. */
  maxRegistered: number;
  /** Registrations per client address (IPv6: per /64) per hour (--register-limit); 0 = no limit. */
  registerLimit: number;
  /** Refuse REGISTER and AUTH on connections without TLS (--require-tls-login). */
  requireTlsLogin: boolean;
  /** Names this server in login proofs (--realm); the host name by default. */
  realm?: string | undefined;
  /** Serve TLS 1.3 with this certificate chain and key, PEM files (--tls --cert --key). */
  tls?: { certFile: string; keyFile: string } | undefined;
  /** Append the TLS key log (NSS format) to this file (--keylog). */
  keylogFile?: string | undefined;
}

/**
 * Defaults of the server. The rate limit is far above a typist (a few lines a second) and a
 * scripted scenario (bursts of a few dozen lines), yet stops a flood; its burst is
 * RATE_BURST_SECONDS worth of requests (200 at 50/s).
 */
export const SERVER_DEFAULTS = {
  host: '0.0.0.0',
  maxClients: 1000,
  maxLine: 4096,
  loginTimeoutSeconds: 30,
  maxQueue: 1024 * 1024,
  rateLimit: 50,
  logText: false,
  /**
   * A university's students and staff fit many times over, and the registry (about 200 bytes an
   * id in memory, 150 in the file) stays a few MB.
   */
  maxRegistered: 10_000,
  /** A class behind one NAT registers at the start of a lab; a flood from one address gets 100 ids an hour. */
  registerLimit: 100,
  requireTlsLogin: false,
} as const;

/** A client may send this many seconds' worth of requests at once before the rate limit bites. */
export const RATE_BURST_SECONDS = 4;

/** How long a closing connection may take to read what is left before it is cut. */
export const CLOSE_GRACE_MS = 2000;

/** Free text after `HELLO CHAT-MSG/1`. */
export const GREETING_TEXT = 'chatmsg-server ready, send HELP for the verbs';

/** Text after `BYE` when the server shuts down. */
export const SHUTDOWN_TEXT = 'server shutting down';
