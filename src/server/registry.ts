import { clientIdKey } from '../protocol/index.js';
import { SerialQueue, readTextIfExists, removeStaleTemporaries, writeFileAtomic } from '../storage/atomic-file.js';

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

/**
 * The server's registry of identity keys: a map in memory, mirrored to a JSON file that is
 * rewritten atomically (temporary file, fsync, rename, fsync of the directory) after each
 * registration, so a crash at any moment leaves the previous or the new registry, never a
 * torn one. Without a file (no --registry) it lives in memory only.
 */
export class Registry {
  readonly path: string | undefined;
  readonly #users: Map<string, RegisteredUser>;
  readonly #writes = new SerialQueue();

  private constructor(path: string | undefined, users: Map<string, RegisteredUser>) {
    this.path = path;
    this.#users = users;
  }

  static inMemory(): Registry {
    return new Registry(undefined, new Map());
  }

  /**
   * Loads the registry file, or starts empty when it does not exist. A file that is not a
   * registry is an error (better to refuse to start than to overwrite someone's keys).
   * Temporaries left by a writer that was killed are removed.
   */
  static async open(path: string): Promise<Registry> {
    await removeStaleTemporaries(path);
    const text = await readTextIfExists(path);
    if (text === undefined) return new Registry(path, new Map());
    return new Registry(path, new Map(Object.entries(parseRegistry(text, path).users)));
  }

  get size(): number {
    return this.#users.size;
  }

  get(id: string): RegisteredUser | undefined {
    return this.#users.get(clientIdKey(id));
  }

  /**
   * Registers `id` unless it is taken. The id is reserved at once (a second registration in
   * the meantime sees 'taken'); the promise settles once the file is safely on disk. When the
   * write fails the reservation is undone and the error propagates.
   */
  async register(id: string, identityKey: string, now = new Date()): Promise<RegisterOutcome> {
    const key = clientIdKey(id);
    if (this.#users.has(key)) return 'taken';
    const user: RegisteredUser = { id, identityKey, registered: now.toISOString() };
    this.#users.set(key, user);
    try {
      await this.#save();
    } catch (error) {
      if (this.#users.get(key) === user) this.#users.delete(key);
      throw error;
    }
    return 'registered';
  }

  #save(): Promise<void> {
    const path = this.path;
    if (path === undefined) return Promise.resolve();
    // Each write serialises the whole map as it is when the write starts.
    return this.#writes.run(() => {
      const file: RegistryFile = { version: 1, users: Object.fromEntries(this.#users) };
      return writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
    });
  }
}

/** Parses and checks a registry file's text; throws a one-line Error naming the file. */
export function parseRegistry(text: string, path = 'registry'): RegistryFile {
  let parsed: Partial<RegistryFile>;
  try {
    parsed = JSON.parse(text) as Partial<RegistryFile>;
  } catch (error) {
    throw new Error(`registry ${path} is not valid JSON: ${(error as Error).message}`);
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
