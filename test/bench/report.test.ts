import { describe, expect, it } from 'vitest';
import type { PhaseResult } from '../../src/bench/phase.js';
import { compareP99, deliveriesPerWrite, ladderLimit, limitedRatio, renderMarkdown, saturated, settledAfter, syscallsPer } from '../../src/bench/report.js';
import type { BenchReport } from '../../src/bench/run.js';

describe('settledAfter (when idle memory came down)', () => {
  it('is the first second whose reading is within 2 % of the last', () => {
    expect(settledAfter([300_000, 290_000, 120_500, 120_000, 120_000])).toBe('3');
  });

  it('is 1 when memory never moved, and - without readings', () => {
    expect(settledAfter([100_000, 100_000])).toBe('1');
    expect(settledAfter([])).toBe('-');
  });
});

describe('compareP99 (p99 at the rates the peer held)', () => {
  const step = (offered: number, p99Ms: number, held = true): PhaseResult => ({
    offered,
    offeredDeliveries: offered * 100,
    sent: 1,
    refused: 0,
    expected: 1,
    deliveries: 1,
    lost: 0,
    deliveriesPerSecond: offered * 100,
    p50Ms: p99Ms / 2,
    p99Ms,
    maxMs: p99Ms,
    samples: 1,
    serverCpu: undefined,
    benchCpu: 0,
    serverSyscalls: undefined,
    closed: 0,
    held,
    saturation: { serverThread: undefined, senders: 0, receivers: 0 },
    bottleneck: 'neither',
    window: { startMicros: 0, endMicros: 1 },
  });

  const ngircd = (ladder: PhaseResult[]) => ({ kind: 'irc' as const, label: 'ngircd', ladder });

  it('is met when ours is no worse at every rate the IRC server held; rates it did not hold do not count', () => {
    const line = compareP99('Fan-out N=100', [step(250, 2.0), step(500, 9.0)], ngircd([step(250, 2.0), step(500, 3.0, false)]));
    expect(line).toBe('- Fan-out N=100: p99 vs ngircd at the 1 rates it held, ours worse at 0: met');
  });

  it('says there is nothing to compare when the IRC server held no rate (neither met nor NOT met)', () => {
    const line = compareP99('Fan-out N=1000', [step(25, 60)], ngircd([step(25, 65, false), step(50, 55, false)]));
    expect(line).toBe('- Fan-out N=1000: ngircd held none of the offered rates, no p99 to compare with');
  });

  it('names each rate where ours is worse, with both figures', () => {
    const line = compareP99('Direct', [step(250, 2.92), step(500, 1.0)], ngircd([step(250, 2.17), step(500, 1.5), step(1000, 4.0)]));
    expect(line).toBe(
      '- Direct: p99 vs ngircd at the 3 rates it held, ours worse at 2 (25 k: 2.92 vs 2.17 ms, 100 k: not run): NOT met',
    );
  });

  it('with a note, gives the same figures in place of a verdict', () => {
    const line = compareP99('Direct', [step(250, 2.92)], ngircd([step(250, 2.17)]), { note: 'one write per message fewer than ours; not a target' });
    expect(line).toBe('- Direct: p99 vs ngircd at the 1 rates it held, ours worse at 1 (25 k: 2.92 vs 2.17 ms) (one write per message fewer than ours; not a target)');
  });

  it('counts only the rates up to upTo, and says so', () => {
    const ircPing = { label: 'ngircd + PING', ladder: [step(1000, 2.0), step(20_000, 3.0), step(50_000, 9.0)] };
    const ours = [step(1000, 1.5), step(20_000, 2.5), step(50_000, 30)];
    expect(compareP99('Direct', ours, ircPing, { upTo: 20_000 })).toBe('- Direct: p99 vs ngircd + PING at the 2 rates up to 20 k msg/s it held, ours worse at 0: met');
    expect(compareP99('Direct', ours, ircPing)).toMatch(/at the 3 rates it held, ours worse at 1 \(5\.00 M: 30\.0 vs 9\.00 ms\): NOT met$/);
    expect(compareP99('Direct', ours, { ...ircPing, ladder: ircPing.ladder.slice(2) }, { upTo: 20_000 })).toBe(
      '- Direct: ngircd + PING held none of the offered rates up to 20 k msg/s, no p99 to compare with',
    );
  });

  it('with --repeat, judges the direct latency target over every run, and the first run only says what it saw', () => {
    const direct = (oursAt1k: number) => [
      { kind: 'chatmsg' as const, label: 'chatmsg-server', pairs: 100, ladder: [step(1000, oursAt1k), step(2000, 1.0)], highestHeld: 2000 },
      { kind: 'irc-ping' as const, label: 'ngircd + PING', pairs: 100, ladder: [step(1000, 1.5), step(2000, 1.5)], highestHeld: 2000 },
    ];
    const report = {
      startedAt: '2026-12-02T00:00:00.000Z',
      seconds: 1,
      machine: { cpu: 'cpu', cores: 2, memoryGiB: 1, os: 'os', node: 'v20', loadAverage: 0 },
      options: { pairs: 100 },
      skipped: [],
      failures: [],
      fanout: [],
      direct: direct(1.0),
      directRepeats: [direct(2.0), direct(1.0)],
      connections: [],
      registration: [],
    } as unknown as BenchReport;
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('- Direct: p99 vs ngircd + PING at the 2 rates up to 20 k msg/s it held, ours worse at 0 (run 1; the target is judged over all runs)\n');
    expect(markdown).toContain('- Direct: p99 vs ngircd + PING up to 20 k msg/s in 3 runs in a row, ours worse at 0 of 2, 1 of 2, 0 of 2 rates: NOT met\n');
    expect(markdown).toContain('| 1.0 k | 1.00, 2.00, 1.00 | 1.50, 1.50, 1.50 |');
  });

  it('names another subject than ours', () => {
    const line = compareP99('Direct', [step(250, 4.0)], ngircd([step(250, 2.0)]), { subject: 'the minimal Node relay', note: 'Node alone' });
    expect(line).toBe('- Direct: p99 vs ngircd at the 1 rates it held, the minimal Node relay worse at 1 (25 k: 4.00 vs 2.00 ms) (Node alone)');
  });
});

describe('syscallsPer (what a message costs the server in the kernel)', () => {
  const phase = (serverSyscalls: PhaseResult['serverSyscalls']) => ({ serverSyscalls }) as PhaseResult;

  it('divides reads and writes by the messages or deliveries', () => {
    expect(syscallsPer(phase({ reads: 1000, writes: 2000 }), 1000)).toBe('1.00 + 2.00');
    expect(syscallsPer(phase({ reads: 30, writes: 700 }), 100_000)).toBe('0.000 + 0.007');
    expect(syscallsPer(phase({ reads: 25_000, writes: 0 }), 1000)).toBe('25 + 0.000');
  });

  it('is - without counts (--server) or without messages', () => {
    expect(syscallsPer(phase(undefined), 1000)).toBe('-');
    expect(syscallsPer(phase({ reads: 1, writes: 1 }), 0)).toBe('-');
  });
});

describe('deliveriesPerWrite (how much a fan-out gathers per socket write)', () => {
  it('divides the deliveries by the server\'s writes', () => {
    expect(deliveriesPerWrite({ deliveries: 100_000, serverSyscalls: { reads: 5, writes: 500 } } as PhaseResult)).toBe('200');
    expect(deliveriesPerWrite({ deliveries: 1000, serverSyscalls: { reads: 5, writes: 800 } } as PhaseResult)).toBe('1.25');
    expect(deliveriesPerWrite({ deliveries: 1000, serverSyscalls: undefined } as PhaseResult)).toBe('-');
  });
});

describe('limitedRatio (a ratio only where both servers were the limit)', () => {
  it('is the plain ratio when both phases were server-bound', () => {
    expect(limitedRatio(200, 'server', 400, 'server')).toBe('0.50x');
  });

  it('is bracketed and not claimed when either side was limited by the generator, both, or nothing', () => {
    expect(limitedRatio(200, 'generator', 400, 'server')).toBe('(0.50x) not claimed: ours generator, it server');
    expect(limitedRatio(200, 'server', 400, 'both')).toBe('(0.50x) not claimed: ours server, it both');
    expect(limitedRatio(200, 'neither', 400, 'neither')).toBe('(0.50x) not claimed: ours neither, it neither');
  });
});

describe('ladderLimit (what ended a direct ladder)', () => {
  const step = (offered: number, held: boolean, bottleneck: PhaseResult['bottleneck']) => ({ offered, held, bottleneck }) as PhaseResult;

  it('is the bottleneck of the first rate above the highest held that was not held', () => {
    const ladder = [step(1000, true, 'neither'), step(2000, false, 'generator'), step(4000, true, 'neither'), step(8000, false, 'server')];
    expect(ladderLimit({ ladder, highestHeld: 4000 })).toBe('server');
    expect(ladderLimit({ ladder: ladder.slice(0, 2), highestHeld: 1000 })).toBe('generator');
  });

  it("is 'neither' when every rate was held (the ladder ran out) or none was reached", () => {
    expect(ladderLimit({ ladder: [step(1000, true, 'neither')], highestHeld: 1000 })).toBe('neither');
  });
});

describe('saturated (the figures a bottleneck is read from)', () => {
  it('names the bottleneck and the three busy shares', () => {
    const phase = { bottleneck: 'server', saturation: { serverThread: 0.97, senders: 0.41, receivers: 0.733 } } as PhaseResult;
    expect(saturated(phase)).toBe('server (server thread 97 %; senders 41 %, receivers 73 %)');
  });
});
