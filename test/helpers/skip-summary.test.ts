import { describe, expect, it } from 'vitest';
import { summarize, SUMMARY_HEADING } from './skip-summary.js';
import { TOOLS } from './tools.js';

describe('the skip summary', () => {
  it('is empty when nothing was skipped', () => {
    expect(summarize([])).toEqual({ lines: [], silent: [] });
  });

  it('counts each reason once per test, nested reasons included, with the command that installs it', () => {
    const { lines, silent } = summarize([
      { file: 'test/a.test.ts', fullName: 'dissector (skipped: tshark not installed) filters' },
      { file: 'test/b.test.ts', fullName: 'x (skipped: tshark not installed) live (skipped: tcpdump not installed, not root, tshark not installed) cooked' },
    ]);
    expect(silent).toEqual([]);
    expect(lines[0]).toBe(`${SUMMARY_HEADING}: 2 test(s). CI=true makes each of these an error.`);
    expect(lines).toContain('  tshark not installed: 2 test(s) in test/a.test.ts, test/b.test.ts');
    expect(lines).toContain(`    get it: ${TOOLS.tshark.install}`);
    expect(lines).toContain('  tcpdump not installed: 1 test(s) in test/b.test.ts');
    expect(lines).toContain('  not root: 1 test(s) in test/b.test.ts');
    expect(lines).toContain(`    get it: ${TOOLS.root.install}`);
  });

  it('names a test skipped without a reason in its name', () => {
    const { lines, silent } = summarize([{ file: 'test/c.test.ts', fullName: 'suite > quietly skipped' }]);
    expect(lines).toEqual([]);
    expect(silent).toEqual(['test/c.test.ts > suite > quietly skipped']);
  });
});
