import { open, type FileHandle } from 'node:fs/promises';
import { SerialQueue } from './atomic-file.js';

/**
 * A file of records, one per line, only ever appended to, kill -9 safe: a record counts once its
 * line and LF are on disk (fdatasync); a process killed mid-append leaves at most one torn last
 * line, which open() cuts off. Appends of the same moment share one write and one fdatasync
 * (group commit): their cost does not grow with the file, and a flood pays one sync per batch.
 */
export class AppendLog {
  readonly path: string;
  readonly #file: FileHandle;
  readonly #queue = new SerialQueue();
  #batch: { record: string; settle: (error?: Error) => void }[] = [];
  #records: number;

  private constructor(path: string, file: FileHandle, records: number) {
    this.path = path;
    this.#file = file;
    this.#records = records;
  }

  /**
   * Opens (creates) the log and returns its complete records. A torn last line (no LF) is
   * removed from the file, so the next append starts on a line of its own.
   */
  static async open(path: string, mode = 0o600): Promise<{ log: AppendLog; records: string[] }> {
    const file = await open(path, 'a+', mode);
    try {
      const bytes = await file.readFile();
      const end = bytes.lastIndexOf(10) + 1;
      if (end < bytes.length) {
        await file.truncate(end);
        await file.datasync();
      }
      const records = bytes.subarray(0, end).toString('utf8').split('\n').slice(0, -1);
      return { log: new AppendLog(path, file, records.length), records };
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  /** Records in the file (appended and not cleared). */
  get records(): number {
    return this.#records;
  }

  /** Appends `record` (one line, no LF); resolves once it is on disk, rejects when the write failed. */
  append(record: string): Promise<void> {
    if (record.includes('\n')) return Promise.reject(new TypeError('a record is one line'));
    return new Promise((resolve, reject) => {
      const first = this.#batch.length === 0;
      this.#batch.push({ record, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      // One flush job per batch: records appended while a flush runs wait for the next one.
      if (first) void this.#queue.run(() => this.#flush());
    });
  }

  /**
   * Runs `job` when no append is being written, then empties the log. The job must save
   * elsewhere (a snapshot) everything appended up to the moment it starts: those records may
   * already be in the file and go with it. Appends made while it runs wait and land after.
   */
  compact(job: () => Promise<void>): Promise<void> {
    return this.#queue.run(async () => {
      await job();
      await this.#file.truncate(0);
      await this.#file.datasync();
      this.#records = 0;
    });
  }

  close(): Promise<void> {
    return this.#queue.run(() => this.#file.close());
  }

  async #flush(): Promise<void> {
    const batch = this.#batch;
    this.#batch = [];
    if (batch.length === 0) return;
    try {
      await this.#file.appendFile(batch.map((entry) => `${entry.record}\n`).join(''));
      await this.#file.datasync();
      this.#records += batch.length;
    } catch (error) {
      for (const entry of batch) entry.settle(error as Error);
      return;
    }
    for (const entry of batch) entry.settle();
  }
}
