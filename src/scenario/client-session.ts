import { parseTranscriptLine } from '../client/transcript.js';
import { escapeForTerminal } from '../protocol/index.js';
import type { ClientDriver, ClientExit } from './client-driver.js';
import type { ClientSummary } from './result.js';

/** A line the client printed as received or sent, with the client's timestamp. */
export interface ReceivedLine {
  text: string;
  /** The client's own timestamp, `HH:MM:SS.mmm`. */
  time: string;
}

/** What waiting for the next line gave: a line, nothing in time, or the end of the client. */
export type NextLine = { line: ReceivedLine } | { timeout: true } | { exit: ClientExit };

/**
 * The runner's view of one scenario client: its transcript, an inbox of received lines read
 * in order through a cursor, the count of lines it reports as sent, and its exit.
 */
export class ClientSession {
  readonly name: string;
  /** Every stdout line of the client, as printed: the evidence transcript. */
  readonly transcript: string[] = [];
  readonly received: ReceivedLine[] = [];
  /** The lines the client reports as sent (its `>` lines), in order. */
  readonly sent: ReceivedLine[] = [];
  /** Index of the next received line a step has not consumed yet. */
  cursor = 0;
  /** Index of the next sent line not yet matched to a send of the runner. */
  #sentCursor = 0;
  /** Set when the steps are over: lines after it came from the cleanup, not the scenario. */
  #stepsEndedAt: number | undefined;
  #driver: ClientDriver | undefined;
  #exit: ClientExit | undefined;
  #connected = false;
  readonly #waiters = new Set<() => void>();

  constructor(name: string) {
    this.name = name;
  }

  get driver(): ClientDriver | undefined {
    return this.#driver;
  }

  get exit(): ClientExit | undefined {
    return this.#exit;
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** A client process to follow; a reconnect (after the previous one ended) starts afresh. */
  attach(driver: ClientDriver): void {
    this.#driver = driver;
    this.#exit = undefined;
    this.#connected = false;
    void driver.exited.then((exit) => {
      if (this.#driver !== driver) return;
      this.#exit = exit;
      this.#notify();
    });
  }

  /** Feeds one stdout line of the client (the driver's onLine). */
  onLine(raw: string): void {
    this.transcript.push(raw);
    const entry = parseTranscriptLine(raw);
    if (!entry) return;
    if (entry.kind === 'received') this.received.push({ text: entry.text, time: entry.time });
    else if (entry.kind === 'sent') this.sent.push({ text: entry.text, time: entry.time });
    else if (entry.text.startsWith('connected to ')) this.#connected = true;
    this.#notify();
  }

  /** Marks the end of the steps; lines received later (during cleanup) are not reported as unchecked. */
  endSteps(): void {
    this.#stepsEndedAt = this.received.length;
  }

  /** Lines received while the steps ran that no step consumed. */
  unchecked(): string[] {
    return this.received.slice(this.cursor, this.#stepsEndedAt).map((line) => line.text);
  }

  summary(): ClientSummary {
    return { exit: this.#exit ?? null, sent: this.sent.length, received: this.received.length, unchecked: this.unchecked() };
  }

  /** The next unconsumed line (consuming it), waiting until `deadline` (a Date.now() value). */
  async next(deadline: number): Promise<NextLine> {
    for (;;) {
      const line = this.received[this.cursor];
      if (line) {
        this.cursor++;
        return { line };
      }
      if (this.#exit) return { exit: this.#exit };
      if (!(await this.#waitUntil(deadline))) return { timeout: true };
    }
  }

  /**
   * Waits until the client reports that it sent `line` (its `>` echo), after the echoes already
   * matched; returns the client's timestamp of it. Lines the client sent on its own (--id's
   * LOGIN, a keepalive PING) are passed over.
   */
  async sentEcho(line: string, deadline: number): Promise<string | undefined> {
    const echo = escapeForTerminal(line);
    let found = -1;
    const seen = () => {
      found = this.sent.findIndex((entry, i) => i >= this.#sentCursor && entry.text === echo);
      return found !== -1;
    };
    if (!(await this.until(seen, deadline))) return undefined;
    this.#sentCursor = found + 1;
    return this.sent[found]!.time;
  }

  /** Waits until `condition()` holds; false on timeout or when the client ended first. */
  async until(condition: () => boolean, deadline: number): Promise<boolean> {
    for (;;) {
      if (condition()) return true;
      if (this.#exit) return false;
      if (!(await this.#waitUntil(deadline))) return false;
    }
  }

  /** Resolves true when something happens, false when the deadline passes first. */
  #waitUntil(deadline: number): Promise<boolean> {
    const left = deadline - Date.now();
    if (left <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        resolve(false);
      }, left);
      this.#waiters.add(wake);
    });
  }

  #notify(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}
