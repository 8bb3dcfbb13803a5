import { mkdtemp, readFile, readdir, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IdentityKey } from '../../src/crypto/identity.js';
import { loadIdentity, loadOrCreateIdentity } from '../../src/crypto/key-file.js';
import { PinStore } from '../../src/crypto/pin-store.js';
import { fingerprint, safetyNumber } from '../../src/crypto/safety-number.js';
import { writeFileAtomic } from '../../src/storage/atomic-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chatmsg-crypto-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('key file', () => {
  it('is created on first use with mode 0600, then reused', async () => {
    const path = join(dir, 'alice.key');
    const first = await loadOrCreateIdentity(path);
    expect(first.created).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const second = await loadOrCreateIdentity(path);
    expect(second.created).toBe(false);
    expect(second.key.publicKey).toBe(first.key.publicKey);
  });

  it('is refused when others can read it, or when it holds no Ed25519 key', async () => {
    const path = join(dir, 'shared.key');
    await writeFile(path, IdentityKey.generate().toPem(), { mode: 0o600 });
    await chmod(path, 0o644);
    await expect(loadIdentity(path)).rejects.toThrow(/accessible by others.*chmod 600/);
    const junk = join(dir, 'junk.key');
    await writeFile(junk, 'not a key', { mode: 0o600 });
    await expect(loadOrCreateIdentity(junk)).rejects.toThrow(/holds no Ed25519 private key/);
  });
});

describe('atomic file', () => {
  it('replaces the content, keeps the mode and leaves no temporary behind', async () => {
    const path = join(dir, 'data.json');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, 'two');
    expect(await readFile(path, 'utf8')).toBe('two');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['data.json']);
  });
});

describe('pin store (trust on first use)', () => {
  it('pins on first contact, matches later, reports a change and refuses to replace it', async () => {
    const path = join(dir, 'pins.json');
    const bob = IdentityKey.generate().publicKey;
    const mallory = IdentityKey.generate().publicKey;
    const pins = await PinStore.open(path);
    expect(pins.check('Bob', bob)).toEqual({ status: 'new' });
    await pins.pin('Bob', bob);
    const reopened = await PinStore.open(path);
    expect(reopened.check('bob', bob)).toMatchObject({ status: 'match' });
    expect(reopened.check('BOB', mallory)).toMatchObject({ status: 'changed', pin: { identityKey: bob } });
    await expect(reopened.pin('bob', mallory)).rejects.toThrow(/already pinned/);
    expect(await reopened.forget('Bob')).toBe(true);
    expect((await PinStore.open(path)).check('bob', mallory)).toEqual({ status: 'new' });
  });

  it('refuses a file that is not a pin file', async () => {
    const path = join(dir, 'pins.json');
    await writeFile(path, '{"hello":1}');
    await expect(PinStore.open(path)).rejects.toThrow(/not a CHAT-MSG pin file/);
  });
});

describe('safety numbers', () => {
  it('are 6 groups of 5 digits per key, the same for both sides, and change with the key', () => {
    const alice = { id: 'Alice', identityKey: IdentityKey.generate().publicKey };
    const bob = { id: 'Bob', identityKey: IdentityKey.generate().publicKey };
    expect(fingerprint(alice.id, alice.identityKey)).toMatch(/^\d{5}( \d{5}){5}$/);
    expect(safetyNumber(alice, bob)).toMatch(/^\d{5}( \d{5}){11}$/);
    expect(safetyNumber(alice, bob)).toBe(safetyNumber(bob, alice));
    const fake = { id: 'Bob', identityKey: IdentityKey.generate().publicKey };
    expect(safetyNumber(alice, fake)).not.toBe(safetyNumber(alice, bob));
    expect(fingerprint('alice', alice.identityKey)).toBe(fingerprint('ALICE', alice.identityKey));
  });
});
