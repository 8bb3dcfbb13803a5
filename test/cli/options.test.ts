import { parseArgs } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import {
  OptionError,
  parseIntegerAtLeast,
  parseNonNegativeNumber,
  parsePort,
  parsePositiveInteger,
  parsePositiveNumber,
  parseRates,
  withUsage,
} from '../../src/cli/options.js';

describe('parseRates', () => {
  it('reads plain numbers and k / M suffixes', () => {
    expect(parseRates('500,2k,1M', '--direct-rates')).toEqual([500, 2000, 1_000_000]);
    expect(parseRates('1k,1.5k,20k', '--direct-rates')).toEqual([1000, 1500, 20_000]);
  });

  it.each(['0', '-1k', '1.5', 'k', '2x', '', '1k,,2k'])('refuses the rate %j', (value) => {
    expect(() => parseRates(value, '--direct-rates')).toThrow(OptionError);
    expect(() => parseRates(value, '--direct-rates')).toThrow(/bad --direct-rates rate/);
  });

  it('refuses rates that do not rise', () => {
    expect(() => parseRates('2k,1k', '--direct-rates')).toThrow('bad --direct-rates "2k,1k": rates must rise');
    expect(() => parseRates('2k,2k', '--direct-rates')).toThrow('rates must rise');
  });
});

describe('parsePort', () => {
  it('accepts 1-65535, and 0 only when allowed', () => {
    expect(parsePort('1')).toBe(1);
    expect(parsePort('5151')).toBe(5151);
    expect(parsePort('65535')).toBe(65535);
    expect(parsePort('0', 'port', { allowZero: true })).toBe(0);
  });

  it.each(['0', '65536', '-1', '', ' 80', '80x', '1e3', '0x50', '51.5', 'port'])('refuses %j', (value) => {
    expect(() => parsePort(value)).toThrow(OptionError);
  });

  it('names the value and the range in its message', () => {
    expect(() => parsePort('99999', 'server port')).toThrow('bad server port "99999": expected an integer 1-65535');
    expect(() => parsePort(undefined)).toThrow('missing port');
  });
});

describe('number validators', () => {
  it('parse integers with a floor', () => {
    expect(parsePositiveInteger('1000', 'max-clients')).toBe(1000);
    expect(parseIntegerAtLeast('2', 'max-line', 2)).toBe(2);
    expect(() => parseIntegerAtLeast('1', 'max-line', 2)).toThrow('expected an integer >= 2');
    for (const bad of ['0', '-3', '2.5', '1e2', '', 'ten', '99999999999999999999']) {
      expect(() => parsePositiveInteger(bad, 'n')).toThrow(OptionError);
    }
  });

  it('parse decimals, positive or not', () => {
    expect(parseNonNegativeNumber('0', 'rate-limit')).toBe(0);
    expect(parseNonNegativeNumber('12.5', 'rate-limit')).toBe(12.5);
    expect(parsePositiveNumber('0.5', 'login-timeout')).toBe(0.5);
    expect(() => parsePositiveNumber('0', 'login-timeout')).toThrow('expected a number > 0');
    for (const bad of ['-1', '', 'Infinity', 'NaN', '1e3', '.5', '5.']) {
      expect(() => parseNonNegativeNumber(bad, 'n')).toThrow(OptionError);
    }
  });
});

describe('withUsage', () => {
  const command = { name: 'chatmsg-test', usage: '<port> [options]' };

  function captureExit(run: () => unknown): { code: unknown; stderr: string } {
    let stderr = '';
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
    const exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw Object.assign(new Error('exit'), { exitCode: code });
    });
    try {
      run();
      return { code: undefined, stderr };
    } catch (error) {
      return { code: (error as { exitCode?: unknown }).exitCode, stderr };
    } finally {
      write.mockRestore();
      exit.mockRestore();
    }
  }

  it('returns what the parse function returns', () => {
    expect(withUsage(command, () => 42)).toBe(42);
  });

  it('turns an OptionError into one line plus a usage hint and exit 2', () => {
    const { code, stderr } = captureExit(() => withUsage(command, () => parsePort('x')));
    expect(code).toBe(2);
    expect(stderr).toBe('chatmsg-test: bad port "x": expected an integer 1-65535\nusage: chatmsg-test <port> [options] (see --help)\n');
  });

  it('turns a parseArgs error into its first sentence', () => {
    const { code, stderr } = captureExit(() =>
      withUsage(command, () => parseArgs({ args: ['--nope'], options: {}, strict: true })),
    );
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe("chatmsg-test: Unknown option '--nope'");
  });

  it('lets other errors through: they are bugs', () => {
    expect(() => withUsage(command, () => { throw new TypeError('boom'); })).toThrow('boom');
  });
});
