import type { ServerKind } from './dialects.js';
import type { PhaseResult } from './phase.js';
import type { BenchReport } from './run.js';
import { ratioClaimed, SATURATED, type Bottleneck } from './saturation.js';
import { STAGE_MEANING, STAGES } from './profile-stages.js';
import type { DirectProfile, DirectResult } from './direct.js';
import type { FanoutResult } from './workloads.js';
import { ms, rate, table, verdict } from './markdown.js';
import { p99Gaps } from './p99-comparison.js';
import { directRunsSection, p99AcrossRuns } from './direct-runs.js';

/** The targets of the benchmark issues, checked against each run. */
export const TARGETS = {
  /** Our fan-out deliveries per second over Redis's. */
  fanoutVersusRedis: 0.5,
  /** Our highest direct rate held over Redis's. */
  directVersusRedis: 0.5,
  /** Direct p99 at or below ngIRCd + PING's at every offered rate up to this, msg/s. */
  directLatencyUpTo: 20_000,
  /** p99 at half the highest rate held, ms. */
  p99AtHalfMs: 20,
  /** Server memory per idle logged-in client, KiB. */
  perClientKiB: 3,
  /** Server memory per client while logging in (marginal), KiB. */
  marginalKiB: 8,
  /** From the first connect until every presence notice was delivered, seconds. */
  quietSeconds: 10,
  /** Another client's PING p99 during a registration flood, ms (issue 13). */
  pingDuringRegistrationMs: 50,
} as const;

const ratio = (ours: number, theirs: number) => (theirs > 0 ? `${(ours / theirs).toFixed(2)}x` : '-');
const percent = (share: number | undefined) => (share === undefined ? '-' : `${Math.round(share * 100)} %`);
/** CPU of the server and of the load generator: which of them was the bottleneck. */
const cpu = (phase: PhaseResult) => `${percent(phase.serverCpu)} / ${percent(phase.benchCpu)}`;
/**
 * Which side was saturated, with the figures it is read from: the server's main thread (CPU)
 * and the busiest sender and receiver threads of the generator (event-loop utilization).
 */
export function saturated(phase: PhaseResult): string {
  const s = phase.saturation;
  return `${phase.bottleneck} (server thread ${percent(s.serverThread)}; senders ${percent(s.senders)}, receivers ${percent(s.receivers)})`;
}
/**
 * Ours over theirs, claimed only where both phases were limited by their server alone; otherwise
 * the figure is shown in brackets with what limited it, and means nothing about the servers.
 */
export function limitedRatio(ours: number, oursLimit: Bottleneck, theirs: number, theirsLimit: Bottleneck): string {
  const value = ratio(ours, theirs);
  if (value === '-' || ratioClaimed(oursLimit, theirsLimit)) return value;
  return `(${value}) not claimed: ours ${oursLimit}, it ${theirsLimit}`;
}
/**
 * What ended a direct ladder: the bottleneck of the first rate above the highest held, or
 * 'neither' when every offered rate was held (the ladder ran out, nothing was saturated).
 */
export function ladderLimit(result: Pick<DirectResult, 'ladder' | 'highestHeld'>): Bottleneck {
  const index = result.ladder.findIndex((step) => step.offered === result.highestHeld);
  const failed = result.ladder.slice(index + 1).find((step) => !step.held);
  return failed?.bottleneck ?? 'neither';
}
const latencies = (phase: PhaseResult) => `${ms(phase.p50Ms)} / ${ms(phase.p99Ms)} / ${ms(phase.maxMs)}`;
/**
 * The server's read and write syscalls per unit (message sent, or delivery), as `reads + writes`:
 * what a message costs the server in the kernel, where most of its time goes on loopback.
 */
export function syscallsPer(phase: PhaseResult, units: number): string {
  const calls = phase.serverSyscalls;
  if (calls === undefined || units === 0) return '-';
  const fixed = (n: number) => (n >= 10 ? n.toFixed(0) : n >= 0.1 ? n.toFixed(2) : n.toFixed(3));
  return `${fixed(calls.reads / units)} + ${fixed(calls.writes / units)}`;
}
/** How many deliveries one write of the server carried: a fan-out's output gathered per socket. */
export function deliveriesPerWrite(phase: PhaseResult): string {
  const writes = phase.serverSyscalls?.writes;
  if (writes === undefined || writes === 0) return '-';
  const per = phase.deliveries / writes;
  return per >= 10 ? per.toFixed(0) : per.toFixed(2);
}

function highestHeldDeliveries(result: FanoutResult): number {
  return Math.max(0, ...result.ladder.filter((step) => step.held).map((step) => step.offeredDeliveries ?? 0));
}

function fanoutSection(report: BenchReport): string[] {
  if (report.fanout.length === 0) return [];
  const out = ['## Fan-out (MSG ALL / PUBLISH / PRIVMSG #channel)', ''];
  out.push(
    `${report.options.senders} senders, ${report.options.payloadSize}-byte texts, ${report.options.durationMs / 1000} s per phase. ` +
      '"max" = as fast as the server acknowledges (batches of 5000 / N messages, at most 50, each followed by a ping; 4 batches in flight per sender). ' +
      `"saturated": which side had no idle time left while the senders sent (server: its main thread at ${Math.round(SATURATED * 100)} % of a core or more; ` +
      'generator: a sender or receiver thread whose event loop was busy that share of the time); "ours / it" is claimed only where both servers were. ' +
      'Latency in ms from the send stamp to the receiver reading it (p50 / p99 / max, one sample per received chunk).',
    '',
  );
  const rows = report.fanout.map((r) => {
    const ours = report.fanout.find((o) => o.kind === 'chatmsg' && o.receivers === r.receivers);
    return [
      String(r.receivers),
      r.label,
      rate(r.max.deliveriesPerSecond),
      ours === undefined || r.kind === 'chatmsg'
        ? ''
        : limitedRatio(ours.max.deliveriesPerSecond, ours.max.bottleneck, r.max.deliveriesPerSecond, r.max.bottleneck),
      latencies(r.max),
      String(r.max.lost),
      cpu(r.max),
      saturated(r.max),
      deliveriesPerWrite(r.max),
      rate(highestHeldDeliveries(r)),
      `${rate(r.half.deliveriesPerSecond)}: ${ms(r.half.p99Ms)}`,
    ];
  });
  out.push(
    table(
      [
        'N',
        'server',
        'max deliveries/s',
        'ours / it',
        'latency at max',
        'lost',
        'CPU server / bench',
        'saturated at max',
        'deliveries per server write',
        'highest fixed rate held',
        'p99 at half max',
      ],
      rows,
    ),
    '',
    '### Latency at fixed offered rates (deliveries/s offered: p50 / p99 ms; * = not held)',
    '',
  );
  for (const receivers of new Set(report.fanout.map((r) => r.receivers))) {
    const results = report.fanout.filter((r) => r.receivers === receivers);
    const offered = [...new Set(results.flatMap((r) => r.ladder.map((step) => step.offeredDeliveries ?? 0)))].sort((a, b) => a - b);
    const cell = (r: FanoutResult, o: number) => {
      const step = r.ladder.find((s) => s.offeredDeliveries === o);
      return step === undefined ? '' : `${ms(step.p50Ms)} / ${ms(step.p99Ms)}${step.held ? '' : ' *'}`;
    };
    out.push(
      `N = ${receivers}:`,
      '',
      table(['offered', ...results.map((r) => r.label)], offered.map((o) => [rate(o), ...results.map((r) => cell(r, o))])),
      '',
    );
  }
  return out;
}

function directSection(report: BenchReport): string[] {
  if (report.direct.length === 0) return [];
  const ours = report.direct.find((r) => r.kind === 'chatmsg');
  const rows = report.direct.map((r) => {
    const top = r.ladder.find((step) => step.offered === r.highestHeld);
    const above = r.ladder[r.ladder.findIndex((step) => step.offered === r.highestHeld) + 1];
    return [
      r.label,
      rate(r.highestHeld),
      ours === undefined || r.kind === 'chatmsg' ? '' : limitedRatio(ours.highestHeld, ladderLimit(ours), r.highestHeld, ladderLimit(r)),
      top === undefined ? '-' : latencies(top),
      top === undefined ? '-' : cpu(top),
      above === undefined ? 'ladder ran out' : saturated(above),
    ];
  });
  const offered = [...new Set(report.direct.flatMap((r) => r.ladder.map((step) => Number(step.offered))))].sort((a, b) => a - b);
  const cell = (steps: PhaseResult[], o: number) => {
    const step = steps.find((s) => s.offered === o);
    return step === undefined ? '' : `${ms(step.p50Ms)} / ${ms(step.p99Ms)}${step.held ? '' : ' *'}`;
  };
  return [
    `## Direct (MSG <id> / PUBLISH <own channel> / PRIVMSG <nick>), ${report.options.pairs} pairs`,
    '',
    'Rates rise until two in a row are not held (held: p99 at most 50 ms, no loss, at least 95 % of the due messages sent).',
    '',
    table(
      ['server', 'highest rate held (msg/s)', 'ours / it', 'latency there (p50 / p99 / max ms)', 'CPU server / bench', 'saturated at the next rate'],
      rows,
    ),
    '',
    table(
      ['offered msg/s', ...report.direct.map((r) => r.label)],
      offered.map((o) => [rate(o), ...report.direct.map((r) => cell(r.ladder, o))]),
    ),
    '',
    'Server syscalls per message (read + write; socket and log alike), server CPU and the saturated side at each offered rate:',
    '',
    table(
      ['offered msg/s', ...report.direct.map((r) => r.label)],
      offered.map((o) => [
        rate(o),
        ...report.direct.map((r) => {
          const step = r.ladder.find((s) => s.offered === o);
          return step === undefined ? '' : `${syscallsPer(step, step.sent)}, ${percent(step.serverCpu)}, ${step.bottleneck}`;
        }),
      ]),
    ),
    '',
    ...(ours?.profile === undefined ? [] : profileSection(ours.profile)),
  ];
}

/** Our server's CPU per direct message by stage (--profile), at each offered rate. */
export function profileSection(profile: DirectProfile): string[] {
  const micros = (n: number) => (n >= 10 ? n.toFixed(1) : n.toFixed(2));
  return [
    "Where our server's main thread spent its time, µs per direct message by stage (--profile: samples of each phase, " +
      'the profiler itself adds a little; a stage is the nearest recognised frame up the sampled stack):',
    '',
    table(
      ['offered msg/s', 'busy', ...STAGES],
      profile.rates.map((r) => [rate(r.offered), micros(r.busyMicrosPerMessage), ...STAGES.map((stage) => micros(r.microsPerMessage[stage]))]),
    ),
    '',
    ...STAGES.map((stage) => `- ${stage}: ${STAGE_MEANING[stage]}`),
    '',
  ];
}

/** Seconds into the idle wait at which RSS first came within 2 % of its last reading ('-' without readings). */
export function settledAfter(series: readonly number[]): string {
  const last = series.at(-1);
  if (last === undefined) return '-';
  const index = series.findIndex((kib) => kib <= last * 1.02);
  return String(index + 1);
}

function connectionsSection(report: BenchReport): string[] {
  if (report.connections.length === 0) return [];
  const mib = (kib: number | undefined) => (kib === undefined ? '-' : (kib / 1024).toFixed(1));
  const rows = report.connections.map((r) => [
    r.label,
    `${r.ready} / ${r.clients}`,
    r.loginSeconds.toFixed(1),
    r.quietSeconds.toFixed(1),
    r.loginCpuSeconds === undefined ? '-' : r.loginCpuSeconds.toFixed(1),
    `${mib(r.rssBeforeKiB)} -> ${mib(r.rssAfterKiB)} -> ${mib(r.rssIdleKiB)}`,
    settledAfter(r.rssIdleSeriesKiB),
    r.perClientKiB === undefined ? '-' : r.perClientKiB.toFixed(2),
    r.marginalKiB === undefined ? '-' : r.marginalKiB.toFixed(2),
    `${r.broadcast.deliveries} in ${ms(r.broadcast.maxMs)} ms`,
  ]);
  return [
    `## Connections: ${report.options.connections} clients logged in`,
    '',
    '"quiet" = also every presence notice (JOINED / IRC JOIN) delivered: N^2/2 lines, inherent in both protocols. ' +
      `KiB per client = (idle RSS - RSS before) / clients logged in; idle = ${report.options.idleMs / 1000} s after quiet ` +
      '("settled" = when RSS first came within 2 % of that reading: the runtime gives memory back some time after traffic stops). ' +
      'Marginal = RSS growth from half the clients to all of them (both read once every presence notice so far was delivered), which leaves out ' +
      "the runtime's fixed growth (heap spaces, code) that the average spreads over the clients.",
    '',
    table(['server', 'logged in', 'login s', 'quiet s', 'server CPU s until quiet', 'server RSS MiB (before -> after -> idle)', 'settled after s', 'KiB per client', 'marginal KiB per client', 'one broadcast reached'], rows),
    '',
  ];
}

function registrationSection(report: BenchReport): string[] {
  if (report.registration.length === 0) return [];
  const rows = report.registration.map((r) => [
    rate(r.registeredBefore),
    `${r.registered} in ${r.seconds} s`,
    rate(r.perSecond),
    r.series.map((n) => String(n)).join(' '),
    String(r.errors),
    `${ms(r.pingIdle.p50Ms)} / ${ms(r.pingIdle.p99Ms)} / ${ms(r.pingIdle.maxMs)}`,
    `${ms(r.pingFlood.p50Ms)} / ${ms(r.pingFlood.p99Ms)} / ${ms(r.pingFlood.maxMs)}`,
    r.serverCpuMsPerRegistration === undefined ? '-' : ms(r.serverCpuMsPerRegistration),
    r.rssKiB === undefined ? '-' : (r.rssKiB / 1024).toFixed(1),
    (r.fileBytes / 2 ** 20).toFixed(1),
  ]);
  return [
    `## Registration flood (--registry, ${report.registration[0]!.connections} connections registering)`,
    '',
    'Each registration is a connection: REGISTER, CHALLENGE, PROVE (Ed25519), OK REGISTER once the journal line is on disk (fdatasync), close. ' +
      `Another logged-in client PINGs every 10 ms; its round trips in ms (p50 / p99 / max) before and during the flood. Target: PING p99 < ${TARGETS.pingDuringRegistrationMs} ms, and throughput not falling as the registry grows.`,
    '',
    table(['ids before', 'registered', 'per s', 'per second of the flood', 'errors', 'PING idle', 'PING during flood', 'server CPU ms per registration', 'server RSS MiB', 'registry on disk MiB'], rows),
    '',
  ];
}

function targetsSection(report: BenchReport): string[] {
  const out: string[] = [];
  for (const ours of report.fanout.filter((r) => r.kind === 'chatmsg')) {
    const redis = report.fanout.find((r) => r.kind === 'redis' && r.receivers === ours.receivers);
    if (redis !== undefined) {
      const share = ours.max.deliveriesPerSecond / redis.max.deliveriesPerSecond;
      out.push(
        `- Fan-out N=${ours.receivers}: ${rate(ours.max.deliveriesPerSecond)} vs Redis ${rate(redis.max.deliveriesPerSecond)} deliveries/s = ` +
          `${share.toFixed(2)} (target >= ${TARGETS.fanoutVersusRedis}): ` +
          judged(share >= TARGETS.fanoutVersusRedis, ours.max.bottleneck, redis.max.bottleneck),
      );
    }
    out.push(
      `- Fan-out N=${ours.receivers}: p99 ${ms(ours.half.p99Ms)} ms at half the highest rate (target < ${TARGETS.p99AtHalfMs} ms): ` +
        verdict(ours.half.p99Ms < TARGETS.p99AtHalfMs && ours.half.lost === 0),
    );
    for (const irc of report.fanout.filter((r) => r.kind === 'irc' && r.receivers === ours.receivers)) {
      out.push(compareP99(`Fan-out N=${ours.receivers}`, ours.ladder, irc));
    }
  }
  const oursDirect = report.direct.find((r) => r.kind === 'chatmsg');
  const redisDirect = report.direct.find((r) => r.kind === 'redis');
  if (oursDirect !== undefined && redisDirect !== undefined && redisDirect.highestHeld > 0) {
    const share = oursDirect.highestHeld / redisDirect.highestHeld;
    out.push(
      `- Direct: highest rate held ${rate(oursDirect.highestHeld)} vs Redis ${rate(redisDirect.highestHeld)} msg/s = ${share.toFixed(2)} ` +
        `(target >= ${TARGETS.directVersusRedis}): ${judged(share >= TARGETS.directVersusRedis, ladderLimit(oursDirect), ladderLimit(redisDirect))}`,
    );
  }
  out.push(...directLatencyLines(report));
  for (const ours of report.connections.filter((r) => r.kind === 'chatmsg' && r.perClientKiB !== undefined)) {
    const reachedAll = ours.broadcast.deliveries === ours.ready && ours.ready === ours.clients;
    // The target is memory per idle client: the idle average. The marginal figure is read during
    // the logins, with their garbage still in the heap, and is shown for what it is.
    out.push(
      `- ${ours.clients} clients: ${ours.perClientKiB!.toFixed(2)} KiB per idle client ` +
        `(${report.options.idleMs / 1000} s after the logins; target < ${TARGETS.perClientKiB}), ` +
        `broadcast reached ${ours.broadcast.deliveries} of ${ours.ready}: ` +
        `${verdict(ours.perClientKiB! < TARGETS.perClientKiB && reachedAll)}`,
      `- ${ours.clients} clients: ${ours.marginalKiB?.toFixed(2) ?? '?'} KiB per client while logging in (marginal; target < ${TARGETS.marginalKiB}): ` +
        verdict(ours.marginalKiB !== undefined && ours.marginalKiB < TARGETS.marginalKiB),
      `- ${ours.clients} clients: every presence notice delivered after ${ours.quietSeconds.toFixed(1)} s (target < ${TARGETS.quietSeconds} s): ` +
        verdict(ours.ready === ours.clients && ours.quietSeconds < TARGETS.quietSeconds),
    );
  }
  return out.length === 0 ? [] : ['## Targets', '', ...out, ''];
}

/** A throughput target is met or missed only where both servers were the limit; elsewhere it is not judged. */
function judged(ok: boolean, ours: Bottleneck, theirs: Bottleneck): string {
  if (ratioClaimed(ours, theirs)) return verdict(ok);
  return `not judged (${ok ? 'met' : 'not met'} on these figures, but ours was limited by: ${ours}, Redis by: ${theirs})`;
}

/** One line of p99 comparison: whose ladder, against which, over which rates, judged or not. */
export interface P99Comparison {
  /** Whose p99 is compared; "ours" unless given (the relay's line names the relay). */
  subject?: string | undefined;
  /** Only offered rates up to this count (a target's range); every rate when absent. */
  upTo?: number | undefined;
  /** Shown in brackets instead of a verdict: the line explains, it is not a target. */
  note?: string | undefined;
}

/**
 * p99 of `ladder` no worse than the peer's at every offered rate the peer held (up to `upTo`). A target
 * line ends with its verdict; a line with a `note` is shown for what it explains.
 */
export function compareP99(
  what: string,
  ladder: PhaseResult[],
  peer: { label: string; ladder: PhaseResult[] },
  { subject: who = 'ours', upTo, note }: P99Comparison = {},
): string {
  const { held, worse } = p99Gaps(ladder, peer.ladder, upTo);
  const range = upTo === undefined ? '' : ` up to ${rate(upTo)} msg/s`;
  // No rate the peer accepted: the target has nothing to compare, which is neither met nor missed.
  if (held.length === 0) return `- ${what}: ${peer.label} held none of the offered rates${range}, no p99 to compare with`;
  return (
    `- ${what}: p99 vs ${peer.label} at the ${held.length} rates${range} it held, ${who} worse at ${worse.length}` +
    (worse.length === 0 ? '' : ` (${worse.join(', ')})`) +
    (note === undefined ? `: ${verdict(worse.length === 0)}` : ` (${note})`)
  );
}

/**
 * The direct workload's latency lines: the target against ngIRCd + PING, and what explains it.
 * With --repeat the target is judged over all runs, and the first run's line only says what it saw.
 */
function directLatencyLines(report: BenchReport): string[] {
  const direct = report.direct;
  const ours = direct.find((r) => r.kind === 'chatmsg');
  if (ours === undefined) return [];
  const upTo = TARGETS.directLatencyUpTo;
  const ircPing = direct.find((r) => r.kind === 'irc-ping');
  const irc = direct.find((r) => r.kind === 'irc');
  const relay = direct.find((r) => r.kind === 'relay');
  const runs = [direct, ...report.directRepeats];
  const repeated = runs.length > 1;
  const acrossRuns = repeated
    ? [
        p99AcrossRuns(runs, { subject: 'chatmsg', peer: 'irc-ping', upTo }),
        p99AcrossRuns(runs, { subject: 'relay', peer: 'irc-ping', upTo, subjectName: 'the minimal Node relay', note: 'Node alone, the same replies; not a target' }),
      ].filter((line) => line !== undefined)
    : [];
  return [
    ...(ircPing === undefined ? [] : [compareP99('Direct', ours.ladder, ircPing, { upTo, note: repeated ? 'run 1; the target is judged over all runs' : undefined })]),
    ...(irc === undefined ? [] : [compareP99('Direct', ours.ladder, irc, { note: 'one write per message fewer than ours; not a target' })]),
    ...(relay === undefined || ircPing === undefined
      ? []
      : [compareP99('Direct', relay.ladder, ircPing, { upTo, subject: 'the minimal Node relay', note: 'Node alone, the same replies; not a target' })]),
    ...(relay === undefined ? [] : [compareP99('Direct', ours.ladder, relay, { upTo, note: 'what our server adds to Node; not a target' })]),
    ...acrossRuns,
  ];
}

/**
 * --baseline: this build against the build before a change, workload by workload. Not targets:
 * what a change moved, measured in one run (the direct servers taking turns).
 */
function baselineSection(report: BenchReport): string[] {
  const out: string[] = [];
  const versus = (what: string, ours: number, before: number, unit: string, format = rate) =>
    `- ${what}: ${format(ours)} against ${format(before)} ${unit} before (${ratio(ours, before)})`;
  for (const ours of report.fanout.filter((r) => r.kind === 'chatmsg')) {
    const before = report.fanout.find((r) => r.kind === 'baseline' && r.receivers === ours.receivers);
    if (before === undefined) continue;
    out.push(
      versus(`Fan-out N=${ours.receivers}, highest rate`, ours.max.deliveriesPerSecond, before.max.deliveriesPerSecond, 'deliveries/s'),
      compareP99(`Fan-out N=${ours.receivers}`, ours.ladder, before, { note: 'this build against the baseline' }),
    );
  }
  const oursDirect = report.direct.find((r) => r.kind === 'chatmsg');
  const beforeDirect = report.direct.find((r) => r.kind === 'baseline');
  if (oursDirect !== undefined && beforeDirect !== undefined) {
    out.push(
      versus('Direct, highest rate held', oursDirect.highestHeld, beforeDirect.highestHeld, 'msg/s'),
      compareP99('Direct', oursDirect.ladder, beforeDirect, { note: 'this build against the baseline' }),
    );
  }
  for (const ours of report.connections.filter((r) => r.kind === 'chatmsg')) {
    const before = report.connections.find((r) => r.kind === 'baseline');
    if (before === undefined) continue;
    if (ours.perClientKiB !== undefined && before.perClientKiB !== undefined) {
      out.push(versus(`${ours.clients} clients, memory per idle client`, ours.perClientKiB, before.perClientKiB, 'KiB', (n) => n.toFixed(2)));
    }
    out.push(versus(`${ours.clients} clients, every presence notice delivered after`, ours.quietSeconds, before.quietSeconds, 's', (n) => n.toFixed(1)));
  }
  return out.length === 0 ? [] : ['## Against the baseline build (--baseline)', '', ...out, ''];
}

/** The whole report as Markdown: machine, targets, then one section per workload. */
export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const skipped = [
    ...report.skipped.map((s) => `- ${s.kind} skipped: ${s.reason}`),
    ...report.failures.map((f) => `- ${f.workload} on ${f.kind} FAILED: ${f.error}`),
  ];
  const kinds = new Set<ServerKind>([...report.fanout, ...report.direct, ...report.connections].map((r) => r.kind));
  if (report.registration.length > 0) kinds.add('chatmsg');
  return [
    `# CHAT-MSG bench, ${report.startedAt}`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, load average ${m.loadAverage.toFixed(2)} at the start. ` +
      `Servers: ${[...kinds].join(', ')}. Took ${Math.round(report.seconds)} s.`,
    '',
    ...(skipped.length > 0 ? [...skipped, ''] : []),
    ...targetsSection(report),
    ...baselineSection(report),
    ...fanoutSection(report),
    ...directSection(report),
    ...directRunsSection([report.direct, ...report.directRepeats]),
    ...connectionsSection(report),
    ...registrationSection(report),
  ].join('\n');
}
