import { SerialQueue, readTextIfExists, writeFileAtomic } from '../storage/atomic-file.js';

/**
 * A small JSON file of named records, `{ "version": 1, "<field>": { name: record, ... } }`,
 * rewritten atomically on every change (one write at a time), or kept in memory only when no
 * path is given. The trust stores (peer pins, realm pins) live in such files.
 */
export class RecordFile<T> {
  readonly #path: string | undefined;
  readonly #field: string;
  readonly #writes = new SerialQueue();

  private constructor(path: string | undefined, field: string) {
    this.#path = path;
    this.#field = field;
  }

  static inMemory<T>(): { file: RecordFile<T>; records: Map<string, T> } {
    return { file: new RecordFile<T>(undefined, ''), records: new Map() };
  }

  /** Reads the file, or starts empty when it does not exist yet. Throws on a file of another kind. */
  static async open<T>(path: string, field: string, kind: string): Promise<{ file: RecordFile<T>; records: Map<string, T> }> {
    const text = await readTextIfExists(path);
    const file = new RecordFile<T>(path, field);
    if (text === undefined) return { file, records: new Map() };
    const parsed = JSON.parse(text) as { version?: unknown } & Record<string, unknown>;
    const records = parsed[field];
    if (parsed.version !== 1 || typeof records !== 'object' || records === null) throw new Error(`${path} is not a ${kind} (version 1)`);
    return { file, records: new Map(Object.entries(records as Record<string, T>)) };
  }

  save(records: ReadonlyMap<string, T>): Promise<void> {
    const path = this.#path;
    if (path === undefined) return Promise.resolve();
    const text = `${JSON.stringify({ version: 1, [this.#field]: Object.fromEntries(records) }, null, 2)}\n`;
    return this.#writes.run(() => writeFileAtomic(path, text));
  }
}
