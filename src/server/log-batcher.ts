/**
 * Gathers log lines and writes them with one call per event-loop turn, or at once when
 * BATCH_BYTES are gathered. stderr on a pipe or a file is written synchronously by Node, so a
 * write per request cost a busy server one syscall per message (14 % of its CPU time in a
 * direct-message benchmark, see docs/PERFORMANCE.md); a turn's lines now share one.
 */
const BATCH_BYTES = 64 * 1024;

export class LogBatcher {
  readonly #sink: (text: string) => void;
  #lines: string[] = [];
  #bytes = 0;
  #scheduled = false;

  constructor(sink: (text: string) => void) {
    this.#sink = sink;
  }

  write(line: string): void {
    this.#lines.push(line);
    this.#bytes += line.length;
    if (this.#bytes >= BATCH_BYTES) {
      this.flush();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes what is gathered now (also before the process exits). */
  flush(): void {
    this.#scheduled = false;
    if (this.#lines.length === 0) return;
    const text = this.#lines.join('');
    this.#lines = [];
    this.#bytes = 0;
    this.#sink(text);
  }
}
