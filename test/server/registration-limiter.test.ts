import { describe, expect, it } from 'vitest';
import { addressGroup, REGISTRATION_WINDOW_MS, RegistrationLimiter } from '../../src/server/registration-limiter.js';

describe('addressGroup', () => {
  it.each([
    ['10.1.2.3:5151', '10.1.2.3'],
    ['[::ffff:10.1.2.3]:40000', '10.1.2.3'],
    ['[2001:db8:0:1::7]:1', '2001:db8:0:1::/64'],
    ['[2001:0DB8:0000:0001:ffff:0:0:1]:1', '2001:db8:0:1::/64'],
    ['[::1]:9', '0:0:0:0::/64'],
    ['[fe80::1:2:3:4]:9', 'fe80:0:0:0::/64'],
  ])('%s counts as %s', (peer, group) => {
    expect(addressGroup(peer)).toBe(group);
  });
});

describe('RegistrationLimiter', () => {
  it('refuses bad limits instead of coercing them', () => {
    expect(() => new RegistrationLimiter(0)).toThrow(RangeError);
    expect(() => new RegistrationLimiter(2.5)).toThrow(RangeError);
  });

  it('keeps no state for addresses whose bucket refilled: 20,000 addresses over a day stay a few thousand entries', () => {
    let now = 0;
    const limiter = new RegistrationLimiter(3, () => now);
    for (let i = 0; i < 20_000; i++) {
      expect(limiter.take(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:1`)).toBe(true);
      now += (24 * REGISTRATION_WINDOW_MS) / 20_000;
    }
    // About an hour's worth (833) are still refilling; the sweep keeps the map near that.
    expect(limiter.tracked).toBeLessThan(2100);
  });

  it('allows checks without counting; take counts and refuses at the limit', () => {
    const limiter = new RegistrationLimiter(1, () => 0);
    expect(limiter.allows('1.2.3.4:1')).toBe(true);
    expect(limiter.allows('1.2.3.4:1')).toBe(true);
    expect(limiter.take('1.2.3.4:2')).toBe(true);
    expect(limiter.allows('1.2.3.4:3')).toBe(false);
    expect(limiter.take('1.2.3.4:3')).toBe(false);
  });
});
