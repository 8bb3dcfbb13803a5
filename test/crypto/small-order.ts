/**
 * Known weak encodings of Ed25519 and X25519 points, for tests. The y of the order-8 points is
 * the value published with libsodium's and RFC 8032's analyses; weak-keys.test.ts shows with
 * OpenSSL itself that each Edwards point here has small order.
 */
export const P = 2n ** 255n - 19n;

/** 32 bytes little-endian of `value`, with the top bit set when `high`. */
export function encode(value: bigint, high = false): Buffer {
  const bytes = Buffer.alloc(32);
  let v = value;
  for (let i = 0; i < 32; i++) {
    bytes[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (high) bytes[31] = bytes[31]! | 0x80;
  return bytes;
}

const Y8 = BigInt(`0x${Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex').reverse().toString('hex')}`);

/** The eight points of small order, canonically encoded (the bit is the sign of x). */
export const SMALL_ORDER_POINTS: { name: string; bytes: Buffer; order: number }[] = [
  { name: 'identity (0, 1)', bytes: encode(1n), order: 1 },
  { name: '(0, -1)', bytes: encode(P - 1n), order: 2 },
  { name: '(+sqrt(-1), 0)', bytes: encode(0n), order: 4 },
  { name: '(-sqrt(-1), 0)', bytes: encode(0n, true), order: 4 },
  { name: 'order 8, +x, y8', bytes: encode(Y8), order: 8 },
  { name: 'order 8, -x, y8', bytes: encode(Y8, true), order: 8 },
  { name: 'order 8, +x, -y8', bytes: encode(P - Y8), order: 8 },
  { name: 'order 8, -x, -y8', bytes: encode(P - Y8, true), order: 8 },
];

/** Second encodings of small-order points: y + p for y = 0, 1, and x = "-0". */
export const NON_CANONICAL_SMALL_ORDER: { name: string; bytes: Buffer }[] = [
  { name: 'identity with x = -0', bytes: encode(1n, true) },
  { name: '(0, -1) with x = -0', bytes: encode(P - 1n, true) },
  { name: 'y = p (0 + p)', bytes: encode(P) },
  { name: 'y = p, x negative', bytes: encode(P, true) },
  { name: 'y = p + 1 (identity + p)', bytes: encode(P + 1n) },
  { name: 'y = p + 1, x negative', bytes: encode(P + 1n, true) },
];

/** X25519 u-coordinates of low order (on the curve or its twist) and their second encodings. */
export const LOW_ORDER_U: { name: string; bytes: Buffer }[] = [
  { name: 'all-zero (u = 0)', bytes: encode(0n) },
  { name: 'u = 1', bytes: encode(1n) },
  { name: 'u = p - 1', bytes: encode(P - 1n) },
  { name: 'order 8 (e0eb7a7c...)', bytes: Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex') },
  { name: 'order 8 (5f9c95bc...)', bytes: Buffer.from('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157', 'hex') },
  { name: 'u = p (0 + p)', bytes: encode(P) },
  { name: 'u = p + 1 (1 + p)', bytes: encode(P + 1n) },
  { name: 'u = 0 with bit 255 set', bytes: encode(0n, true) },
];
