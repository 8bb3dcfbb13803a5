import { abbreviate, describeFailure, type ScenarioResult, type StepResult } from './result.js';

/** One line per finished step for the console: `  pass    1.2 ms  basic.scenario:6  alice> LOGIN alice`. */
export function formatStepLine(step: StepResult): string {
  const status = step.status === 'pass' ? 'pass' : 'FAIL';
  const note = step.detail && step.status === 'pass' ? `  (${step.detail})` : '';
  const line = `  ${status} ${step.durationMs.toFixed(1).padStart(8)} ms  ${step.where}  ${step.source}${note}`;
  return step.status === 'fail' ? `${line}\n${describeFailure(step)}` : line;
}

/** The closing lines: verdict, counts, where the evidence is. */
export function formatVerdict(result: ScenarioResult, evidenceDir: string): string {
  const passed = result.steps.filter((s) => s.status === 'pass').length;
  const lines = [
    `${result.passed ? 'PASS' : 'FAIL'} ${result.scenario}: ${passed}/${result.steps.length} steps passed in ${(result.durationMs / 1000).toFixed(2)} s`,
  ];
  for (const [client, summary] of Object.entries(result.clients)) {
    if (summary.unchecked.length > 0) lines.push(`  note: ${client} received ${summary.unchecked.length} line(s) no step checked: ${abbreviate(summary.unchecked)}`);
  }
  if (result.failure) lines.push(describeFailure(result.failure));
  lines.push(`evidence: ${evidenceDir}/ (summary.md, result.json, transcripts, server.log)`);
  return lines.join('\n');
}
