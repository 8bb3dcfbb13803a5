import type { ClientExit } from './client-driver.js';

export type StepStatus = 'pass' | 'fail' | 'not-run';

/** One step of a run, as result.json and summary.md report it. */
export interface StepResult {
  /** 1-based position in the run (initial connects first). */
  index: number;
  kind: string;
  /** `scenarios/basic.scenario:12`, or `scenarios/basic.scenario (start)` for the initial connects. */
  where: string;
  /** The step as written. */
  source: string;
  client?: string;
  status: StepStatus;
  /** Milliseconds from the start of the run. */
  startMs: number;
  durationMs: number;
  expected?: string;
  got?: string;
  /** Anything else worth knowing: skipped lines, the spread of a together block ... */
  detail?: string;
  /** For together blocks: max - min of the clients' own `>` timestamps, in ms. */
  spreadMs?: number;
}

export interface ClientSummary {
  exit: ClientExit | null;
  sent: number;
  received: number;
  /** Lines received that no step consumed. */
  unchecked: string[];
}

export interface ScenarioResult {
  scenario: string;
  description: string;
  file: string;
  server: string;
  clientsRun: string;
  /** ISO time the run started. */
  startedAt: string;
  durationMs: number;
  passed: boolean;
  steps: StepResult[];
  clients: Record<string, ClientSummary>;
  failure?: StepResult;
}

/** The failure as people read it on the console and in summary.md. */
export function describeFailure(step: StepResult): string {
  const lines = [`FAIL at ${step.where}: ${step.source}`];
  if (step.client) lines.push(`  client:   ${step.client}`);
  if (step.expected !== undefined) lines.push(`  expected: ${step.expected}`);
  if (step.got !== undefined) lines.push(`  got:      ${step.got}`);
  if (step.detail) lines.push(`  note:     ${step.detail}`);
  return lines.join('\n');
}

/** The first few lines of a list, for a one-line note. */
export function abbreviate(lines: string[], max = 3): string {
  const shown = lines.slice(0, max).join(' | ');
  return lines.length > max ? `${shown} | ... (${lines.length - max} more)` : shown;
}
