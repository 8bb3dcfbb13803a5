import { describe, expect, it } from 'vitest';
import { ALL_CHECKS, GROUPS, selectChecks } from '../../src/conformance/index.js';
import { ERRORS } from '../../src/protocol/index.js';

const CORE_ERRORS = [
  'MALFORMED',
  'NOT_LOGGED_IN',
  'FORBIDDEN',
  'NOT_FOUND',
  'LOGIN_TIMEOUT',
  'CONFLICT',
  'LINE_TOO_LONG',
  'RATE_LIMITED',
  'SERVER_FULL',
] as const;

describe('the check catalogue', () => {
  it('names every check group/name, uniquely, in group order', () => {
    const names = ALL_CHECKS.map((check) => check.name);
    expect(new Set(names).size).toBe(names.length);
    for (const check of ALL_CHECKS) expect(check.name.startsWith(`${check.group}/`)).toBe(true);
    const order = ALL_CHECKS.map((check) => GROUPS.indexOf(check.group));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('has checks in every group of docs/PROTOCOL.md', () => {
    for (const group of GROUPS) expect(ALL_CHECKS.some((check) => check.group === group), group).toBe(true);
  });

  it('has a check for every error code of CHAT-MSG/1 (the secure extension has its own tests)', () => {
    for (const { code } of CORE_ERRORS.map((name) => ERRORS[name])) {
      expect(ALL_CHECKS.some((check) => check.name.startsWith(`errors/${code}-`)), String(code)).toBe(true);
    }
  });

  it('says up front what every robustness check will do', () => {
    const limits = { maxLine: 4096, maxQueue: 1 << 20, connections: 300 };
    for (const check of ALL_CHECKS.filter((c) => c.group === 'robustness')) expect(check.plan?.(limits)).toMatch(/^[a-z-]+: /);
  });
});

describe('selectChecks', () => {
  it('--only keeps the named groups, --skip drops them', () => {
    expect(new Set(selectChecks({ only: ['ping', 'help'] }).map((check) => check.group))).toEqual(new Set(['ping', 'help']));
    expect(selectChecks({ skip: ['robustness'] }).some((check) => check.group === 'robustness')).toBe(false);
    expect(selectChecks({ only: ['ping'], skip: ['ping'] })).toEqual([]);
    expect(selectChecks({})).toHaveLength(ALL_CHECKS.length);
  });
});
