import { createPublicKey, diffieHellman, generateKeyPairSync, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdentityKey, verifyIdentitySignature } from '../../src/crypto/identity.js';
import { createPrekey } from '../../src/crypto/prekey.js';
import { ED25519_ORDER, ed25519KeyWeakness, ed25519SignatureWeakness, x25519KeyWeakness } from '../../src/crypto/weak-keys.js';
import { encode, LOW_ORDER_U, NON_CANONICAL_SMALL_ORDER, P, SMALL_ORDER_POINTS } from './small-order.js';

const okp = (crv: 'Ed25519' | 'X25519', raw: Buffer) => createPublicKey({ key: { kty: 'OKP', crv, x: raw.toString('base64url') }, format: 'jwk' });
/** R = identity, S = 0: the "signature" a small-order key accepts for many messages. */
const IDENTITY_SIGNATURE = Buffer.concat([encode(1n), Buffer.alloc(32)]);
const b64 = (bytes: Buffer) => bytes.toString('base64');

describe('Ed25519 keys and signatures from the network', () => {
  it('the fixtures really are small-order points: OpenSSL accepts R = identity, S = 0 under them for some message', () => {
    for (const { name, bytes } of [...SMALL_ORDER_POINTS, ...NON_CANONICAL_SMALL_ORDER]) {
      const key = okp('Ed25519', bytes);
      const accepted = Array.from({ length: 64 }, (_, i) => verify(null, Buffer.from(`message ${i}`), key, IDENTITY_SIGNATURE)).filter(Boolean);
      expect(accepted.length, name).toBeGreaterThan(0);
    }
    // A genuine key never accepts it.
    const genuine = generateKeyPairSync('ed25519').publicKey;
    expect(verify(null, Buffer.from('message 0'), genuine, IDENTITY_SIGNATURE)).toBe(false);
  });

  it('refuses all eight small-order points and their non-canonical encodings as keys', () => {
    for (const { name, bytes } of SMALL_ORDER_POINTS) expect(ed25519KeyWeakness(bytes), name).toBe('small order');
    for (const { name, bytes } of NON_CANONICAL_SMALL_ORDER) expect(ed25519KeyWeakness(bytes), name).toBe('non-canonical encoding');
  });

  it('refuses every y >= p, leaves a y off the curve to OpenSSL, and accepts generated keys', () => {
    for (let k = 0n; k < 19n; k++) {
      expect(ed25519KeyWeakness(encode(P + k))).toBe('non-canonical encoding');
      expect(ed25519KeyWeakness(encode(P + k, true))).toBe('non-canonical encoding');
    }
    // y = 2 is not on the curve: passed on to OpenSSL, which verifies nothing with it.
    expect(ed25519KeyWeakness(encode(2n))).toBeUndefined();
    expect(verifyIdentitySignature(b64(encode(2n)), Buffer.from('m'), b64(IDENTITY_SIGNATURE))).toBe(false);
    expect(ed25519KeyWeakness(Buffer.alloc(31))).toBe('wrong length');
    fc.assert(
      fc.property(fc.integer(), () => {
        const raw = Buffer.from(IdentityKey.generate().publicKey, 'base64');
        expect(ed25519KeyWeakness(raw)).toBeUndefined();
      }),
      { numRuns: 50 },
    );
  });

  it("verifies strictly: the issue's attack (identity key, R = identity, S = 0) fails, also for every small-order key", () => {
    const data = Buffer.from('anything');
    for (const { bytes } of [...SMALL_ORDER_POINTS, ...NON_CANONICAL_SMALL_ORDER]) {
      for (let i = 0; i < 16; i++) expect(verifyIdentitySignature(b64(bytes), Buffer.from(`m${i}`), b64(IDENTITY_SIGNATURE))).toBe(false);
    }
    expect(ed25519SignatureWeakness(IDENTITY_SIGNATURE)).toBe('small order');
    // A genuine key with a small-order R and S = 0 is refused before OpenSSL sees it.
    const key = IdentityKey.generate();
    for (const { bytes } of SMALL_ORDER_POINTS) {
      expect(ed25519SignatureWeakness(Buffer.concat([bytes, Buffer.alloc(32)]))).toBe('small order');
      expect(verifyIdentitySignature(key.publicKey, data, b64(Buffer.concat([bytes, Buffer.alloc(32)])))).toBe(false);
    }
  });

  it('refuses S >= L (S + L verifies under a lenient check) and a non-canonical R, keeps genuine signatures', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), (message) => {
        const signature = sign(null, message, privateKey);
        expect(verifyIdentitySignature(b64(raw), message, b64(signature))).toBe(true);
        const s = BigInt(`0x${Buffer.from(signature.subarray(32)).reverse().toString('hex')}`);
        const malleated = Buffer.concat([signature.subarray(0, 32), encode(s + ED25519_ORDER)]);
        expect(ed25519SignatureWeakness(malleated)).toBe('non-canonical encoding');
        expect(verifyIdentitySignature(b64(raw), message, b64(malleated))).toBe(false);
        // A flipped sign bit of R makes another point: never the same signature.
        const flipped = Buffer.from(signature);
        flipped[31] = flipped[31]! ^ 0x80;
        expect(verifyIdentitySignature(b64(raw), message, b64(flipped))).toBe(false);
      }),
      { numRuns: 40 },
    );
  });
});

describe('X25519 prekeys from the network', () => {
  it('refuses the low-order points, the all-zero key and second encodings', () => {
    const probe = generateKeyPairSync('x25519').privateKey;
    for (const { name, bytes } of LOW_ORDER_U) {
      expect(x25519KeyWeakness(bytes), name).toMatch(/small order|non-canonical encoding/);
      // What a client that trusted it would get: no usable secret (OpenSSL refuses, or all-zero).
      const masked = Buffer.from(bytes);
      masked[31] = masked[31]! & 0x7f;
      expect(() => diffieHellman({ privateKey: probe, publicKey: okp('X25519', masked) }), name).toThrow();
    }
    expect(x25519KeyWeakness(encode(0n))).toBe('small order');
    expect(x25519KeyWeakness(encode(9n, true))).toBe('non-canonical encoding');
    expect(x25519KeyWeakness(encode(P + 9n))).toBe('non-canonical encoding');
  });

  it('accepts generated prekeys', () => {
    const identity = IdentityKey.generate();
    for (let i = 0; i < 30; i++) expect(x25519KeyWeakness(Buffer.from(createPrekey(identity, 'alice').publicKey, 'base64'))).toBeUndefined();
  });
});
