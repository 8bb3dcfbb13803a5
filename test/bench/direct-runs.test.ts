import { describe, expect, it } from 'vitest';
import type { ServerKind } from '../../src/bench/dialects.js';
import type { DirectResult } from '../../src/bench/direct.js';
import { directRunsSection, p99AcrossRuns } from '../../src/bench/direct-runs.js';
import type { PhaseResult } from '../../src/bench/phase.js';

const step = (offered: number, p99Ms: number, held = true) => ({ offered, p99Ms, held }) as PhaseResult;

const LABELS: Partial<Record<ServerKind, string>> = { chatmsg: 'chatmsg-server', 'irc-ping': 'ngircd + PING', relay: 'minimal Node relay' };

/** One direct run: each server's p99 at 1 k, 2 k and 50 k msg/s. */
function run(p99s: Partial<Record<ServerKind, [number, number, number]>>): DirectResult[] {
  return Object.entries(p99s).map(([kind, [a, b, c]]) => ({
    kind: kind as ServerKind,
    label: LABELS[kind as ServerKind]!,
    pairs: 100,
    ladder: [step(1000, a), step(2000, b), step(50_000, c, c < 50)],
    highestHeld: c < 50 ? 50_000 : 2000,
  }));
}

describe('p99AcrossRuns (the latency target over runs in a row)', () => {
  const target = { subject: 'chatmsg', peer: 'irc-ping', upTo: 20_000 } as const;

  it('is met only when ours is no worse at any compared rate in every run; rates above upTo do not count', () => {
    const runs = [run({ chatmsg: [1.2, 1.4, 90], 'irc-ping': [1.3, 1.4, 9] }), run({ chatmsg: [1.0, 1.1, 9], 'irc-ping': [1.0, 1.5, 8] })];
    expect(p99AcrossRuns(runs, target)).toBe('- Direct: p99 vs ngircd + PING up to 20 k msg/s in 2 runs in a row, ours worse at 0 of 2, 0 of 2 rates: met');
  });

  it('is not met when one run of three loses one rate, and says in which run', () => {
    const good = run({ chatmsg: [1.0, 1.0, 5], 'irc-ping': [1.5, 1.5, 5] });
    const runs = [good, run({ chatmsg: [1.0, 2.0, 5], 'irc-ping': [1.5, 1.5, 5] }), good];
    expect(p99AcrossRuns(runs, target)).toBe('- Direct: p99 vs ngircd + PING up to 20 k msg/s in 3 runs in a row, ours worse at 0 of 2, 1 of 2, 0 of 2 rates: NOT met');
  });

  it('is not met when a run is missing either server, or the peer held nothing', () => {
    const good = run({ chatmsg: [1.0, 1.0, 5], 'irc-ping': [1.5, 1.5, 5] });
    expect(p99AcrossRuns([good, run({ chatmsg: [1, 1, 5] })], target)).toMatch(/ours worse at 0 of 2, not run rates: NOT met$/);
    const none = run({ chatmsg: [1.0, 1.0, 5], 'irc-ping': [1.5, 1.5, 5] }).map((r) => ({ ...r, ladder: r.ladder.map((s) => ({ ...s, held: false })) }));
    expect(p99AcrossRuns([good, none], target)).toMatch(/ours worse at 0 of 2, none held rates: NOT met$/);
  });

  it('is absent when no run has both servers, and a note replaces the verdict', () => {
    expect(p99AcrossRuns([run({ chatmsg: [1, 1, 1] })], target)).toBeUndefined();
    const runs = [run({ relay: [2.0, 1.0, 5], 'irc-ping': [1.5, 1.5, 5] }), run({ relay: [1.0, 1.0, 5], 'irc-ping': [1.5, 1.5, 5] })];
    expect(p99AcrossRuns(runs, { subject: 'relay', peer: 'irc-ping', upTo: 20_000, subjectName: 'the minimal Node relay', note: 'Node alone' })).toBe(
      '- Direct: p99 vs ngircd + PING up to 20 k msg/s in 2 runs in a row, the minimal Node relay worse at 1 of 2, 0 of 2 rates (Node alone)',
    );
  });
});

describe('directRunsSection (each run side by side)', () => {
  it('shows p99 run by run at each rate, not-held and not-run marked, and the highest rate held per run', () => {
    const runs = [run({ chatmsg: [1.25, 2.5, 60], 'irc-ping': [1.5, 1.75, 9] }), run({ chatmsg: [1.0, 1.5, 30] })];
    expect(directRunsSection(runs).join('\n')).toBe(
      [
        '## Direct, 2 runs in a row (--repeat)',
        '',
        'p99 in ms at each offered rate, one figure per run in order (* = not held; - = not run); fresh servers for each run.',
        '',
        '| offered msg/s | chatmsg-server | ngircd + PING |',
        '| --- | --- | --- |',
        '| 1.0 k | 1.25, 1.00 | 1.50, - |',
        '| 2.0 k | 2.50, 1.50 | 1.75, - |',
        '| 50 k | 60.0 *, 30.0 | 9.00, - |',
        '| highest held | 2.0 k, 50 k | 50 k, - |',
        '',
      ].join('\n'),
    );
  });

  it('is empty for a single run', () => {
    expect(directRunsSection([run({ chatmsg: [1, 1, 1] })])).toEqual([]);
  });
});
