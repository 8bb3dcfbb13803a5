import type { ServerKind } from './dialects.js';
import type { DirectResult } from './direct.js';
import { ms, rate, table, verdict } from './markdown.js';
import { p99Gaps } from './p99-comparison.js';

/**
 * The direct workload run several times in a row (--repeat): a latency comparison at a few
 * thousand messages a second moves by a millisecond between runs of the same program, so the
 * issue's latency target is judged over consecutive runs, not on one (docs/PERFORMANCE.md).
 */

export interface AcrossRuns {
  /** Whose p99 is compared; the first-named server's kind. */
  subject: ServerKind;
  peer: ServerKind;
  /** Only offered rates up to this, msg/s; every rate when absent. */
  upTo?: number | undefined;
  /** Names the subject in the line ("ours" by default). */
  subjectName?: string | undefined;
  /** In brackets instead of a verdict: the line explains, it is not a target. */
  note?: string | undefined;
}

/**
 * One line: in how many of the peer's held rates the subject's p99 was higher, run by run. Met
 * only when it was higher at none in every run, and every run compared at least one rate.
 */
export function p99AcrossRuns(runs: readonly (readonly DirectResult[])[], { subject, peer, upTo, subjectName = 'ours', note }: AcrossRuns): string | undefined {
  const counts = runs.map((run) => {
    const mine = run.find((r) => r.kind === subject);
    const theirs = run.find((r) => r.kind === peer);
    if (mine === undefined || theirs === undefined) return undefined;
    const { held, worse } = p99Gaps(mine.ladder, theirs.ladder, upTo);
    return { label: theirs.label, held: held.length, worse: worse.length };
  });
  const label = counts.find((count) => count !== undefined)?.label;
  if (label === undefined) return undefined;
  const range = upTo === undefined ? '' : ` up to ${rate(upTo)} msg/s`;
  const each = counts.map((count) => (count === undefined ? 'not run' : count.held === 0 ? 'none held' : `${count.worse} of ${count.held}`));
  const ok = counts.every((count) => count !== undefined && count.held > 0 && count.worse === 0);
  return (
    `- Direct: p99 vs ${label}${range} in ${runs.length} runs in a row, ${subjectName} worse at ${each.join(', ')} rates` +
    (note === undefined ? `: ${verdict(ok)}` : ` (${note})`)
  );
}

/** Each server's p99 at each rate, run by run, and its highest rate held in each run. */
export function directRunsSection(runs: readonly (readonly DirectResult[])[]): string[] {
  if (runs.length < 2) return [];
  const servers = [...new Map(runs.flat().map((r) => [r.kind, r.label])).entries()];
  const offered = [...new Set(runs.flat().flatMap((r) => r.ladder.map((step) => Number(step.offered))))].sort((a, b) => a - b);
  const result = (run: readonly DirectResult[], kind: ServerKind) => run.find((r) => r.kind === kind);
  const cell = (kind: ServerKind, o: number) =>
    runs
      .map((run) => {
        const step = result(run, kind)?.ladder.find((s) => s.offered === o);
        return step === undefined ? '-' : `${ms(step.p99Ms)}${step.held ? '' : ' *'}`;
      })
      .join(', ');
  const highest = (kind: ServerKind) =>
    runs.map((run) => {
      const r = result(run, kind);
      return r === undefined ? '-' : rate(r.highestHeld);
    });
  return [
    `## Direct, ${runs.length} runs in a row (--repeat)`,
    '',
    'p99 in ms at each offered rate, one figure per run in order (* = not held; - = not run); fresh servers for each run.',
    '',
    table(
      ['offered msg/s', ...servers.map(([, label]) => label)],
      [
        ...offered.map((o) => [rate(o), ...servers.map(([kind]) => cell(kind, o))]),
        ['highest held', ...servers.map(([kind]) => highest(kind).join(', '))],
      ],
    ),
    '',
  ];
}
