import { constants } from 'node:fs';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { IdentityKey } from './identity.js';

/** Permission bits a private key file must not have: any access for group or others. */
const SHARED_BITS = 0o077;

export type KeyFileResult = { key: IdentityKey; created: boolean };

/**
 * Loads the identity key from `path`, or creates it there on first use. A new file is
 * created exclusively (never overwriting a key that appeared meanwhile) with mode 0600 from
 * the start, so the key is never readable by others even for a moment. An existing file
 * readable by group or others is refused, as ssh does, because the key may have leaked.
 */
export async function loadOrCreateIdentity(path: string): Promise<KeyFileResult> {
  try {
    return { key: await loadIdentity(path), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = IdentityKey.generate();
  // A fresh directory for keys is private too (ssh's ~/.ssh is 0700).
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let file;
  try {
    file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (error) {
    // Someone else created it between our read and our create: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { key: await loadIdentity(path), created: false };
    throw error;
  }
  try {
    await file.writeFile(key.toPem());
    await file.sync();
  } finally {
    await file.close();
  }
  return { key, created: true };
}

/** Loads an existing key file; throws a one-line Error for a file that is shared or not a key. */
export async function loadIdentity(path: string): Promise<IdentityKey> {
  const info = await stat(path);
  if ((info.mode & SHARED_BITS) !== 0) {
    throw new Error(`key file ${path} is accessible by others (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it`);
  }
  const pem = await readFile(path, 'utf8');
  try {
    return IdentityKey.fromPem(pem);
  } catch (error) {
    throw new Error(`key file ${path} holds no Ed25519 private key: ${(error as Error).message}`, { cause: error });
  }
}
