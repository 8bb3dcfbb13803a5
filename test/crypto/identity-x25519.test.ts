import { diffieHellman, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IdentityKey } from '../../src/crypto/identity.js';
import { x25519PublicFromIdentity } from '../../src/crypto/identity-x25519.js';
import { decodeBase64 } from '../../src/crypto/raw-keys.js';
import { LowOrderKeyError } from '../../src/crypto/x25519.js';

/** Small-order edwards25519 encodings (neutral point, order 2, 4 and 8, and non-canonical forms). */
const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

describe('Ed25519 identity keys used for X25519', () => {
  it('maps the public and the private half to the same X25519 key (two independent derivations agree)', () => {
    for (let i = 0; i < 20; i++) {
      const identity = IdentityKey.generate();
      const other = generateKeyPairSync('x25519');
      const publicHalf = x25519PublicFromIdentity(decodeBase64(identity.publicKey)!)!;
      expect(identity.agree(other.publicKey)).toEqual(diffieHellman({ privateKey: other.privateKey, publicKey: publicHalf }));
    }
  });

  it('refuses, or makes unusable, every small-order and non-canonical identity key', () => {
    const other = IdentityKey.generate();
    for (const hex of SMALL_ORDER) {
      const mapped = x25519PublicFromIdentity(Buffer.from(hex, 'hex'));
      if (mapped !== undefined) expect(() => other.agree(mapped), hex).toThrow(LowOrderKeyError);
    }
    expect(x25519PublicFromIdentity(Buffer.from(SMALL_ORDER[0]!, 'hex'))).toBeUndefined();
    expect(x25519PublicFromIdentity(Buffer.from(SMALL_ORDER.at(-1)!, 'hex'))).toBeUndefined();
    expect(x25519PublicFromIdentity(Buffer.alloc(31))).toBeUndefined();
  });
});
