import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { ServerConfig } from './config.js';
import { identityKeyWeakness } from '../crypto/identity.js';
import { openKeylog } from '../storage/keylog-file.js';
import { RegistrationLimiter } from './registration-limiter.js';
import { Registry } from './registry.js';
import { secureVerbs } from './secure-verbs.js';
import type { TransportTls } from './transport.js';
import type { VerbTable } from './verbs.js';

/** What the secure options of the command line turn into before the server starts. */
export interface SecureSetup {
  verbs: VerbTable;
  tlsMaterial?: TransportTls | undefined;
  /** One line each for the log: where the registry is, whether TLS is on. */
  notes: string[];
}

/** A file the server could not use; the CLI prints the message and exits 1. */
export class SetupError extends Error {
  override name = 'SetupError';
}

async function readPem(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new SetupError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/**
 * Opens the registry (--registry, else in memory), reads the TLS certificate and key (--tls)
 * and opens the key log (--keylog, appended, mode 0600: it holds secrets of every session).
 */
export async function prepareSecureServer(config: ServerConfig): Promise<SecureSetup> {
  const notes: string[] = [];
  let registry: Registry;
  if (config.registry === undefined) {
    registry = Registry.inMemory();
    notes.push('registry in memory only (no --registry): registrations end with the server');
  } else {
    try {
      registry = await Registry.open(config.registry);
    } catch (error) {
      throw new SetupError(`cannot open registry: ${(error as Error).message}`);
    }
    notes.push(`registry ${config.registry} (${registry.size} ids)`);
    const weak = [...registry.users()].filter((user) => identityKeyWeakness(user.identityKey) !== undefined).map((user) => user.id);
    if (weak.length > 0) {
      notes.push(`${weak.length} registered ids have a weak identity key and can never log in (remove them from the registry): ${weak.slice(0, 10).join(' ')}`);
    }
  }
  const realm = config.realm ?? hostname();
  notes.push(`realm ${realm}`);
  notes.push(`at most ${config.maxRegistered} ids, ${config.registerLimit === 0 ? 'no per-address limit' : `${config.registerLimit} registrations per address per hour`}`);
  if (config.requireTlsLogin) {
    notes.push(config.tls === undefined ? 'REGISTER and AUTH need TLS, and this server has no --tls: every REGISTER and AUTH is refused' : 'REGISTER and AUTH over TLS only');
  }
  const limiter = config.registerLimit === 0 ? undefined : new RegistrationLimiter(config.registerLimit);
  const verbs = secureVerbs({ registry, realm, requireTlsLogin: config.requireTlsLogin, maxRegistered: config.maxRegistered, limiter });
  if (config.tls === undefined) return { verbs, notes };

  const tlsMaterial: TransportTls = { cert: await readPem(config.tls.certFile, 'certificate'), key: await readPem(config.tls.keyFile, 'key') };
  notes.push('TLS 1.3 only');
  if (config.keylogFile !== undefined) {
    try {
      tlsMaterial.keylog = await openKeylog(config.keylogFile);
    } catch (error) {
      throw new SetupError((error as Error).message);
    }
    notes.push(`TLS key log ${config.keylogFile} (secret: for decrypting lab captures only)`);
  }
  return { verbs, tlsMaterial, notes };
}
