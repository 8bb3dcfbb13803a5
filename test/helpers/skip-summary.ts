/**
 * A vitest reporter (next to the default one, see vitest.config.ts) that ends the run with one summary
 * of the tests skipped for a missing tool (test/helpers/tools.ts): which reason, how many tests in
 * which files, and the command that installs it. A test skipped without a reason in its name is named
 * here too and fails the run: no test skips silently.
 */
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import { SKIP_MARK, TOOLS } from './tools.js';

export const SUMMARY_HEADING = 'Skipped for want of an outside tool';
export const SILENT_HEADING = 'Skipped without a reason in the test name';

function* allTests(modules: ReadonlyArray<TestModule>): Generator<TestCase> {
  for (const module of modules) yield* module.children.allTests();
}

/** The summary's lines; empty when nothing was skipped. Exported for its unit test. */
export function summarize(skipped: { fullName: string; file: string }[]): { lines: string[]; silent: string[] } {
  const byReason = new Map<string, { tests: number; files: Set<string> }>();
  const silent: string[] = [];
  for (const test of skipped) {
    // A skipped suite inside a skipped suite: each says why, the test counts once per reason.
    const reasons = new Set([...test.fullName.matchAll(SKIP_MARK)].flatMap((match) => match[1]!.split(', ')));
    if (reasons.size === 0) {
      silent.push(`${test.file} > ${test.fullName}`);
      continue;
    }
    for (const reason of reasons) {
      const entry = byReason.get(reason) ?? { tests: 0, files: new Set<string>() };
      entry.tests += 1;
      entry.files.add(test.file);
      byReason.set(reason, entry);
    }
  }
  const lines: string[] = [];
  if (byReason.size > 0) {
    const total = skipped.length - silent.length;
    lines.push(`${SUMMARY_HEADING}: ${total} test(s). CI=true makes each of these an error.`);
    for (const [reason, { tests, files }] of byReason) {
      const install = Object.values(TOOLS).find((tool) => tool.missing === reason)?.install ?? 'unknown reason (not in test/helpers/tools.ts)';
      lines.push(`  ${reason}: ${tests} test(s) in ${[...files].sort().join(', ')}`);
      lines.push(`    get it: ${install}`);
    }
    lines.push('  everything at once (Debian, as root): bash scripts/setup-machine.sh, then CI=true npm test');
  }
  return { lines, silent };
}

export default class SkipSummaryReporter implements Reporter {
  #vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const skipped = [...allTests(modules)]
      // A test in a skipped suite inside a skipped suite ends the run 'pending': it never ran either.
      .filter((test) => ['skipped', 'pending'].includes(test.result().state))
      .map((test) => ({ fullName: test.fullName, file: test.module.relativeModuleId }));
    const { lines, silent } = summarize(skipped);
    const log = this.#vitest?.logger;
    if (lines.length > 0) log?.log(`\n${lines.join('\n')}\n`);
    // A name filter (-t) skips the rest on purpose; so does .only.
    const filtered = Boolean(this.#vitest?.config.testNamePattern) || [...allTests(modules)].some((test) => test.options.mode === 'only');
    if (silent.length > 0 && !filtered) {
      log?.error(`\n${SILENT_HEADING} (use requireTool from test/helpers/tools.ts):\n${silent.map((name) => `  ${name}`).join('\n')}\n`);
      process.exitCode = 1;
    }
  }
}
