import { parseTranscriptLine } from '../client/transcript.js';
import type { ClientDriver, ClientExit } from './client-driver.js';
import type { ClientSummary } from './result.js';

/** A line the client received, and when the runner saw it. */
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
  /** Times (`HH:MM:SS.mmm`) of the lines the client reports as sent, in order. */
  readonly sentTimes: string[] = [];
  /** Index of the next received line a step has not consumed yet. */
  cursor = 0;
  sendsRequested = 0;
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

  attach(driver: ClientDriver): void {
    this.#driver = driver;
    void driver.exited.then((exit) => {
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
    else if (entry.kind === 'sent') this.sentTimes.push(entry.time);
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
    return { exit: this.#exit ?? null, sent: this.sentTimes.length, received: this.received.length, unchecked: this.unchecked() };
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
