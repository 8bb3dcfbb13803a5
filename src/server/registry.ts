import { clientIdKey } from '../protocol/index.js';
import { AppendLog } from '../storage/append-log.js';
import { readTextIfExists, removeStaleTemporaries, writeChunksAtomic } from '../storage/atomic-file.js';

/** A registered id and the Ed25519 identity key that must sign its logins. */
export interface RegisteredUser {
  /** The id as it was registered. */
  id: string;
  /** Raw Ed25519 public key, base64. */
  identityKey: string;
  registered: string;
}

interface RegistryFile {
  version: 1;
  users: Record<string, RegisteredUser>;
}

export type RegisterOutcome = 'registered' | 'taken';

/** The journal of registrations since the last snapshot: `<registry file>.journal`, one JSON user per line. */
export function journalPath(path: string): string {
  return `${path}.journal`;
}

/**
 * The journal is folded into the snapshot once it holds as many registrations as the snapshot
 * (at least this many): each snapshot write is paid for by as many cheap appends as it holds
 * ids, so the cost per registration stays the same however large the registry grows.
 */
const COMPACT_AT_LEAST = 1024;
/** Users per piece of a snapshot being written: the event loop is never held for long. */
const SNAPSHOT_CHUNK = 1000;

/**
 * The server's registry of identity keys: a map in memory, kept on disk as a snapshot (JSON,
 * replaced atomically: temporary file, fsync, rename, fsync of the directory) and a journal
 * that each registration is appended to (fdatasync before it is acknowledged; appends of the
 * same moment share one write and one sync). The journal is folded into a new snapshot now and
 * then, in pieces, and at every start. A crash at any moment leaves the old or the new snapshot
 * and a journal whose complete lines are registrations (a torn last line was never acknowledged
 * and is cut off). Without a file (no --registry) it lives in memory only.
 */
export class Registry {
  readonly path: string | undefined;
  readonly #users: Map<string, RegisteredUser>;
  readonly #journal: AppendLog | undefined;
  /** Users in the last snapshot written. */
  #snapshotSize: number;
  #compacting = false;

  private constructor(path: string | undefined, users: Map<string, RegisteredUser>, journal?: AppendLog) {
    this.path = path;
    this.#users = users;
    this.#journal = journal;
    this.#snapshotSize = users.size;
  }

  static inMemory(): Registry {
    return new Registry(undefined, new Map());
  }

  /**
   * Loads the snapshot and the journal, or starts empty when neither exists. A file that is not
   * a registry is an error (better to refuse to start than to overwrite someone's keys).
   * Temporaries left by a writer that was killed are removed, and the journal is folded into a
   * fresh snapshot before anything else is written.
   */
  static async open(path: string): Promise<Registry> {
    await removeStaleTemporaries(path);
    const users = await readSnapshot(path);
    const { log, records } = await AppendLog.open(journalPath(path));
    try {
      replayJournal(users, records, journalPath(path));
      const registry = new Registry(path, users, log);
      if (records.length > 0 || (await readTextIfExists(path)) === undefined) await registry.#compact();
      return registry;
    } catch (error) {
      await log.close();
      throw error;
    }
  }

  get size(): number {
    return this.#users.size;
  }

  get(id: string): RegisteredUser | undefined {
    return this.#users.get(clientIdKey(id));
  }

  /** Every registered user, in the order they were registered. */
  users(): IterableIterator<RegisteredUser> {
    return this.#users.values();
  }

  /**
   * Registers `id` unless it is taken. The id is reserved at once (a second registration in
   * the meantime sees 'taken'); the promise settles once the registration is safely on disk.
   * When the write fails the reservation is undone and the error propagates.
   */
  async register(id: string, identityKey: string, now = new Date()): Promise<RegisterOutcome> {
    const key = clientIdKey(id);
    if (this.#users.has(key)) return 'taken';
    const user: RegisteredUser = { id, identityKey, registered: now.toISOString() };
    this.#users.set(key, user);
    if (this.#journal === undefined) return 'registered';
    try {
      await this.#journal.append(JSON.stringify(user));
    } catch (error) {
      if (this.#users.get(key) === user) this.#users.delete(key);
      throw error;
    }
    if (!this.#compacting && this.#journal.records >= Math.max(COMPACT_AT_LEAST, this.#snapshotSize)) {
      this.#compacting = true;
      // A failed compaction leaves the journal as it was: nothing is lost, the next one tries again.
      this.#compact().then(
        () => (this.#compacting = false),
        () => (this.#compacting = false),
      );
    }
    return 'registered';
  }

  /** Closes the journal (pending writes finish first). */
  async close(): Promise<void> {
    await this.#journal?.close();
  }

  /**
   * Writes every user in memory as the new snapshot, then empties the journal. Users whose
   * journal append is still pending may be in the snapshot already: their proof was checked, so
   * at worst a registration not yet acknowledged survives a crash (replaying it twice is fine).
   */
  #compact(): Promise<void> {
    const path = this.path!;
    return this.#journal!.compact(async () => {
      const users = [...this.#users.entries()];
      await writeChunksAtomic(path, snapshotChunks(users));
      this.#snapshotSize = users.length;
    });
  }
}

/** The snapshot's JSON (the format of version 1, one user per line), a piece at a time. */
function* snapshotChunks(users: [string, RegisteredUser][]): Generator<string> {
  yield '{\n  "version": 1,\n  "users": {';
  for (let start = 0; start < users.length; start += SNAPSHOT_CHUNK) {
    const lines = users.slice(start, start + SNAPSHOT_CHUNK).map(([key, user]) => `\n    ${JSON.stringify(key)}: ${JSON.stringify(user)}`);
    yield (start === 0 ? '' : ',') + lines.join(',');
  }
  yield users.length === 0 ? '}\n}\n' : '\n  }\n}\n';
}

async function readSnapshot(path: string): Promise<Map<string, RegisteredUser>> {
  const text = await readTextIfExists(path);
  return new Map(text === undefined ? [] : Object.entries(parseRegistry(text, path).users));
}

/** Adds the journal's users; the same registration twice is fine, the same id with another key is not. */
function replayJournal(users: Map<string, RegisteredUser>, records: string[], path: string): void {
  records.forEach((record, index) => {
    let user: Partial<RegisteredUser>;
    try {
      user = JSON.parse(record) as Partial<RegisteredUser>;
    } catch {
      throw new Error(`registry journal ${path} line ${index + 1} is not JSON`);
    }
    if (!isUser(user)) throw new Error(`registry journal ${path} line ${index + 1} is not a registration`);
    const key = clientIdKey(user.id);
    const known = users.get(key);
    if (known !== undefined && known.identityKey !== user.identityKey) {
      throw new Error(`registry journal ${path} line ${index + 1} registers ${user.id} again with another key`);
    }
    if (known === undefined) users.set(key, user);
  });
}

function isUser(user: Partial<RegisteredUser> | null): user is RegisteredUser {
  return typeof user?.id === 'string' && typeof user.identityKey === 'string' && typeof user.registered === 'string';
}

/**
 * The users a registry holds on disk (snapshot and journal), without changing anything: for
 * tests and tools that look at a registry a server may have left. Throws like open().
 */
export async function readRegistryFiles(path: string): Promise<Map<string, RegisteredUser>> {
  const users = await readSnapshot(path);
  const text = (await readTextIfExists(journalPath(path))) ?? '';
  replayJournal(users, text.slice(0, text.lastIndexOf('\n') + 1).split('\n').slice(0, -1), journalPath(path));
  return users;
}

/** Parses and checks a registry file's text; throws a one-line Error naming the file. */
export function parseRegistry(text: string, path = 'registry'): RegistryFile {
  let parsed: Partial<RegistryFile>;
  try {
    parsed = JSON.parse(text) as Partial<RegistryFile>;
  } catch (error) {
    throw new Error(`registry ${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (parsed.version !== 1 || typeof parsed.users !== 'object' || parsed.users === null) {
    throw new Error(`registry ${path} is not a CHAT-MSG registry (version 1)`);
  }
  for (const [key, user] of Object.entries(parsed.users)) {
    if (typeof user?.id !== 'string' || typeof user.identityKey !== 'string' || clientIdKey(user.id) !== key) {
      throw new Error(`registry ${path} has a bad entry for ${JSON.stringify(key)}`);
    }
  }
  return parsed as RegistryFile;
}
