import { clientIdKey } from '../protocol/client-id.js';
import { RecordFile } from './record-file.js';

/** A pinned identity key: what we saw for an id the first time. */
export interface Pin {
  id: string;
  identityKey: string;
  since: string;
}

export type PinCheck =
  | { status: 'new' }
  | { status: 'match'; pin: Pin }
  | { status: 'changed'; pin: Pin };

/**
 * Trust on first use: remembers each peer's identity key the first time it is seen and
 * reports any later change. A change is never accepted silently; only `forget` (a deliberate
 * user action after comparing safety numbers) makes room for a new key. Persisted to a JSON
 * file written atomically, or kept in memory when no file is given.
 */
export class PinStore {
  readonly #file: RecordFile<Pin>;
  readonly #pins: Map<string, Pin>;

  private constructor({ file, records }: { file: RecordFile<Pin>; records: Map<string, Pin> }) {
    this.#file = file;
    this.#pins = records;
  }

  static inMemory(): PinStore {
    return new PinStore(RecordFile.inMemory<Pin>());
  }

  /** Opens the pin file, or starts empty when it does not exist yet. Throws on a corrupt file. */
  static async open(path: string): Promise<PinStore> {
    return new PinStore(await RecordFile.open<Pin>(path, 'pins', 'CHAT-MSG pin file'));
  }

  get(id: string): Pin | undefined {
    return this.#pins.get(clientIdKey(id));
  }

  check(id: string, identityKey: string): PinCheck {
    const pin = this.#pins.get(clientIdKey(id));
    if (pin === undefined) return { status: 'new' };
    return pin.identityKey === identityKey ? { status: 'match', pin } : { status: 'changed', pin };
  }

  /** Pins a key for an id that has none; refuses to replace an existing pin. */
  async pin(id: string, identityKey: string, now = new Date()): Promise<Pin> {
    const key = clientIdKey(id);
    const existing = this.#pins.get(key);
    if (existing !== undefined && existing.identityKey !== identityKey) throw new Error(`${id} is already pinned to another key`);
    const pin = existing ?? { id, identityKey, since: now.toISOString() };
    this.#pins.set(key, pin);
    await this.#file.save(this.#pins);
    return pin;
  }

  /** Removes an id's pin, so its next key is pinned afresh. */
  async forget(id: string): Promise<boolean> {
    const removed = this.#pins.delete(clientIdKey(id));
    if (removed) await this.#file.save(this.#pins);
    return removed;
  }
}
