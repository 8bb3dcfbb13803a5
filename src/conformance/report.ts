import type { Summary, RunReport } from './run.js';
import type { CheckResult } from './types.js';

/** One table row for a check; a failure adds indented lines: sent, expected, got. */
export function formatResult(result: CheckResult, nameWidth = 44): string {
  const head = `${result.status.padEnd(6)}  ${result.name.padEnd(nameWidth)} ${String(result.ms).padStart(6)} ms  ${result.title}`;
  if (result.status === 'SKIP') return `${head}\n      skipped: ${result.skipReason}`;
  if (result.status === 'PASS' || !result.failure) return head;
  const { sent, expected, got } = result.failure;
  const sentLines = sent.length === 0 ? ['      sent:     (nothing)'] : sent.map((line, i) => `      ${i === 0 ? 'sent:    ' : '         '} ${line}`);
  return [head, ...sentLines, `      expected: ${expected}`, `      got:      ${got}`].join('\n');
}

export function tableHeader(nameWidth = 44): string {
  return `RESULT  ${'CHECK'.padEnd(nameWidth)} ${'TIME'.padStart(9)}  WHAT`;
}

export function formatSummary(summary: Summary): string {
  return `${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`;
}

/** The grade sheet: the whole report as JSON, stable field names. */
export function toJson(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
