import { describe, expect, it } from 'vitest';
import { ERROR_LOG_BURST, ERROR_LOG_REFILL_MS, ErrorLogBudget } from '../../src/server/error-log-budget.js';

describe('ErrorLogBudget', () => {
  it('logs a burst, then counts, summarising at powers of ten and on flush', () => {
    const budget = new ErrorLogBudget(0);
    for (let i = 0; i < ERROR_LOG_BURST; i++) expect(budget.admit(0)).toEqual({ log: true, suppressedBefore: 0 });
    const summaries: number[] = [];
    for (let i = 0; i < 2500; i++) {
      const verdict = budget.admit(0);
      expect(verdict.log).toBe(false);
      if (!verdict.log && verdict.summary !== undefined) summaries.push(verdict.summary);
    }
    expect(summaries).toEqual([100, 900]);
    expect(budget.flush()).toBe(1500);
    expect(budget.flush()).toBe(0);
  });

  it('logs again once time refilled the budget, first saying how many were suppressed', () => {
    const budget = new ErrorLogBudget(0);
    for (let i = 0; i < ERROR_LOG_BURST + 7; i++) budget.admit(0);
    expect(budget.admit(ERROR_LOG_REFILL_MS)).toEqual({ log: true, suppressedBefore: 7 });
    expect(budget.admit(ERROR_LOG_REFILL_MS)).toEqual({ log: false, summary: undefined });
    // A typo a minute is always logged.
    for (let minute = 2; minute < 50; minute++) expect(budget.admit(minute * ERROR_LOG_REFILL_MS).log).toBe(true);
  });
});
