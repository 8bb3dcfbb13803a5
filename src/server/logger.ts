/** One event of the server log. */
export interface LogEvent {
  /** `address:port` of the connection, or `-` for events of the server itself. */
  peer: string;
  /** The session's client-id once logged in. */
  id?: string | undefined;
  /** What happened: a verb (`MSG`), `connect`, `disconnect`, `ERR 404` ... */
  event: string;
  /** Extra words safe to log (a target id, a reason). */
  detail?: string | undefined;
  /** Message text: written only when the logger was created with `logText`. */
  text?: string | undefined;
}

export interface LoggerOptions {
  logText: boolean;
  /** Where finished lines go; the CLI passes stderr. */
  write: (line: string) => void;
  /** Milliseconds since the epoch; Date.now unless a test fixes the clock. */
  now?: () => number;
}

/**
 * The server's one logger, configured by the CLI. One line per event:
 * `<ISO time> <peer> <client-id or -> <event> [detail] [text="..."]`.
 * Text is JSON-quoted so a line of the log is always one line.
 */
export class Logger {
  readonly #logText: boolean;
  readonly #write: (line: string) => void;
  readonly #now: () => number;
  /** The last millisecond formatted, and its text: a busy server logs many lines per millisecond. */
  #stampMs = Number.NaN;
  #stamp = '';

  constructor(options: LoggerOptions) {
    this.#logText = options.logText;
    this.#write = options.write;
    this.#now = options.now ?? Date.now;
  }

  /** The logger's clock (milliseconds since the epoch): what throttles of log lines count time with. */
  now(): number {
    return this.#now();
  }

  log(entry: LogEvent): void {
    let line = `${this.#timestamp()} ${entry.peer} ${entry.id ?? '-'} ${entry.event}`;
    if (entry.detail) line += ` ${entry.detail}`;
    if (this.#logText && entry.text !== undefined) line += ` text=${JSON.stringify(entry.text)}`;
    this.#write(`${line}\n`);
  }

  /** ISO 8601 time of now, formatted once per millisecond. */
  #timestamp(): string {
    const ms = this.#now();
    if (ms !== this.#stampMs) {
      this.#stampMs = ms;
      this.#stamp = new Date(ms).toISOString();
    }
    return this.#stamp;
  }
}

/** A logger that drops everything, for unit tests and embedders that do not want a log. */
export const silentLogger = new Logger({ logText: false, write: () => {} });
