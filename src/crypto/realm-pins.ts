import { RecordFile } from './record-file.js';

/** A pinned server: the realm a host:port announced the first time. */
export interface RealmPin {
  realm: string;
  since: string;
}

export type RealmCheck =
  | { status: 'new' }
  | { status: 'match'; pin: RealmPin }
  /** This host:port announced another realm before. */
  | { status: 'changed'; pin: RealmPin }
  /** This realm belongs to another host:port: what a server relaying the real one's CHALLENGE looks like. */
  | { status: 'elsewhere'; server: string; pin: RealmPin };

/**
 * Trust on first use for servers, like SSH's known_hosts: the realm each host:port announced at
 * first contact. A login proof names the realm, so a proof for the real server is only ever
 * made when talking to the host:port that first announced that realm. Persisted in a JSON file
 * written atomically (`<key-file>.realms.json` by default), or kept in memory.
 */
export class RealmPins {
  readonly #file: RecordFile<RealmPin>;
  readonly #servers: Map<string, RealmPin>;
  readonly path: string | undefined;

  private constructor(path: string | undefined, { file, records }: { file: RecordFile<RealmPin>; records: Map<string, RealmPin> }) {
    this.path = path;
    this.#file = file;
    this.#servers = records;
  }

  static inMemory(): RealmPins {
    return new RealmPins(undefined, RecordFile.inMemory<RealmPin>());
  }

  static async open(path: string): Promise<RealmPins> {
    return new RealmPins(path, await RecordFile.open<RealmPin>(path, 'servers', 'CHAT-MSG realm pin file'));
  }

  /** `server` is host:port as the user named it. */
  check(server: string, realm: string): RealmCheck {
    const pin = this.#servers.get(server);
    if (pin !== undefined) return pin.realm === realm ? { status: 'match', pin } : { status: 'changed', pin };
    for (const [other, otherPin] of this.#servers) if (otherPin.realm === realm) return { status: 'elsewhere', server: other, pin: otherPin };
    return { status: 'new' };
  }

  /** Pins the realm of a server that has none; refuses to replace a pin. */
  async pin(server: string, realm: string, now = new Date()): Promise<RealmPin> {
    const existing = this.#servers.get(server);
    if (existing !== undefined && existing.realm !== realm) throw new Error(`${server} is already pinned to realm ${existing.realm}`);
    const pin = existing ?? { realm, since: now.toISOString() };
    this.#servers.set(server, pin);
    await this.#file.save(this.#servers);
    return pin;
  }

  /** Removes every server pinned to `realm` (the user's decision after a server really moved); how many. */
  async forget(realm: string): Promise<number> {
    const servers = [...this.#servers].filter(([, pin]) => pin.realm === realm).map(([server]) => server);
    for (const server of servers) this.#servers.delete(server);
    if (servers.length > 0) await this.#file.save(this.#servers);
    return servers.length;
  }
}
