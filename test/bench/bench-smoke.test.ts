import { execa } from 'execa';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { PhaseResult } from '../../src/bench/phase.js';
import type { BenchReport } from '../../src/bench/run.js';
import { STAGES } from '../../src/bench/profile-stages.js';
import { bottleneckOf } from '../../src/bench/saturation.js';
import { MissingPeerError, requireExecutable } from '../../src/bench/servers.js';
import { requireTool } from '../helpers/tools.js';

/** The built bench CLI; `npm test` builds dist/ before vitest starts. */
const BENCH_BIN = fileURLToPath(new URL('../../dist/cli/bench.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the real bench against a real server it starts, no peers, small and short. */
async function bench(name: string, args: string[]) {
  const out = join(dir, name);
  const result = await execa('node', [BENCH_BIN, '--quick', '--peers', 'none', '--duration', '0.5', '--out', out, ...args], {
    reject: false,
    timeout: 90_000,
  });
  expect(result.exitCode, result.stderr).toBe(0);
  const report = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8')) as BenchReport;
  return { report, stdout: result.stdout, stderr: result.stderr, svg: readFileSync(join(out, 'latency.svg'), 'utf8') };
}

/** What every measured phase must satisfy: everything sent arrived, latencies ordered and plausible. */
function expectSane(phase: PhaseResult, fanOut: number) {
  expect(phase.sent).toBeGreaterThan(0);
  expect(phase.expected).toBe(phase.sent * fanOut);
  expect(phase.deliveries).toBe(phase.expected);
  expect(phase.lost).toBe(0);
  expect(phase.closed).toBe(0);
  expect(phase.samples).toBeGreaterThan(0);
  expect(phase.p50Ms).toBeGreaterThan(0);
  expect(phase.p50Ms).toBeLessThanOrEqual(phase.p99Ms);
  expect(phase.p99Ms).toBeLessThanOrEqual(phase.maxMs);
  // A latency of minutes would mean a broken clock or stamp, not a slow server.
  expect(phase.maxMs).toBeLessThan(60_000);
  expect(phase.serverCpu).toBeGreaterThan(0);
  // The server read the messages and wrote the deliveries: its syscalls were counted.
  expect(phase.serverSyscalls!.reads).toBeGreaterThan(0);
  expect(phase.serverSyscalls!.writes).toBeGreaterThan(0);
  // Both sides' busy shares were read, and the bottleneck is the one they give.
  const { serverThread, senders, receivers } = phase.saturation;
  // Read in clock ticks (10 ms): a light phase may show none, but it is read.
  expect(serverThread).toBeGreaterThanOrEqual(0);
  for (const busy of [senders, receivers]) {
    expect(busy).toBeGreaterThan(0);
    expect(busy).toBeLessThanOrEqual(1);
  }
  expect(phase.bottleneck).toBe(bottleneckOf(phase.saturation));
  expect(phase.window.endMicros).toBeGreaterThan(phase.window.startMicros);
}

describe('bench smoke (real server, real sockets, no peers)', () => {
  it('fan-out: every broadcast reaches every receiver, at fixed rates and as fast as accepted', async () => {
    const { report, stdout, stderr, svg } = await bench('fanout', ['--only', 'fanout', '--receivers', '20']);
    // The JIT's first seconds are not measured: an unmeasured warm-up precedes the first phase,
    // and a phase that follows a flood (the warm-up, "max") follows a settling time at its own rate.
    expect(stderr).toMatch(
      /warm-up chatmsg-server: \d+ deliveries\/s, not measured\n {2}settle chatmsg-server: [\d.]+ s at 1250 msg\/s, not measured\n {2}fanout chatmsg-server N=20 1250 msg\/s/,
    );
    expect(stderr).toMatch(/fanout chatmsg-server N=20 max: [^\n]*\n {2}settle chatmsg-server: [^\n]*\n {2}fanout chatmsg-server N=20 \d+ msg\/s/);
    expect(report.skipped).toEqual([]);
    expect(report.failures).toEqual([]);
    expect(report.fanout).toHaveLength(1);
    const [ours] = report.fanout;
    expect(ours!.kind).toBe('chatmsg');
    expect(ours!.receivers).toBe(20);
    expect(ours!.ladder.length).toBeGreaterThan(0);
    for (const phase of [...ours!.ladder, ours!.max, ours!.half]) expectSane(phase, 20);
    expect(ours!.max.deliveriesPerSecond).toBeGreaterThan(1000);
    expect(stdout).toMatch(/\| 20 \| chatmsg-server \|/);
    expect(svg).toMatch(/^<svg [^>]*>/);
    expect(svg).toContain('<polyline');
  });

  it('direct: each message reaches its one receiver', async () => {
    const { report } = await bench('direct', ['--only', 'direct', '--pairs', '5']);
    expect(report.direct).toHaveLength(1);
    for (const phase of report.direct[0]!.ladder) expectSane(phase, 1);
    expect(report.direct[0]!.profile).toBeUndefined();
  });

  it('direct --repeat: runs in a row, each on fresh servers, side by side in the report', async () => {
    const { report, stdout, stderr } = await bench('repeat', ['--only', 'direct', '--pairs', '3', '--direct-rates', '1k,2k', '--repeat', '2']);
    expect(report.failures).toEqual([]);
    expect(stderr).toContain('direct, 3 pairs, run 1 of 2');
    expect(stderr).toContain('direct, 3 pairs, run 2 of 2');
    expect(report.direct.map((r) => r.kind)).toEqual(['chatmsg']);
    expect(report.directRepeats.map((run) => run.map((r) => r.kind))).toEqual([['chatmsg']]);
    const [first, second] = [report.direct[0]!, report.directRepeats[0]![0]!];
    for (const phase of [...first.ladder, ...second.ladder]) expectSane(phase, 1);
    // The second run's phases come after the first's: a run of its own, not the same phases twice.
    expect(second.ladder[0]!.window.startMicros).toBeGreaterThan(first.ladder.at(-1)!.window.endMicros);
    expect(stdout).toContain('## Direct, 2 runs in a row (--repeat)');
    expect(stdout).toMatch(/\| 1\.0 k \| [\d.]+( \*)?, [\d.]+( \*)? \|/);
  });

  it('connections: all clients log in, memory is measured, one broadcast reaches all', async () => {
    const { report } = await bench('connections', ['--only', 'connections', '--connections', '300', '--idle', '3']);
    const [ours] = report.connections;
    expect(ours!.ready).toBe(300);
    expect(ours!.failed).toBe(0);
    expect(ours!.rssAfterKiB).toBeGreaterThan(ours!.rssBeforeKiB!);
    expect(ours!.perClientKiB).toBeGreaterThan(0);
    // One RSS reading per second of the idle wait, the last of which is the idle figure.
    expect(ours!.rssIdleSeriesKiB).toHaveLength(3);
    expect(ours!.rssIdleSeriesKiB.at(-1)).toBe(ours!.rssIdleKiB);
    expect(ours!.marginalKiB).toBeDefined();
    expect(ours!.broadcast.sent).toBe(1);
    expect(ours!.broadcast.deliveries).toBe(300);
    // Quiet = every JOINED counted by the clients (n(n-1)/2 with the sender), then a ping round.
    expect(ours!.firstError).toBeUndefined();
    expect(ours!.quietSeconds).toBeGreaterThanOrEqual(ours!.loginSeconds);
  });

  it('connections: a server that loses a presence notice is reported, not waited for', async () => {
    const lossy = await lossyPresenceServer();
    try {
      const { report } = await bench('lossy', ['--only', 'connections', '--connections', '50', '--idle', '1', '--server', `127.0.0.1:${lossy.port}`]);
      const [ours] = report.connections;
      expect(ours!.ready).toBe(50);
      // 51 clients with the sender: 1275 notices were due, the one to the first client is missing.
      expect(ours!.firstError).toMatch(/presence notices stopped at 1274 of 1275/);
    } finally {
      lossy.close();
    }
  });

  it('registration: a flood of real REGISTER + PROVE against a registry of 1000 ids while another client PINGs', async () => {
    const { report, stdout } = await bench('registration', ['--only', 'registration', '--registering', '4']);
    expect(report.failures).toEqual([]);
    const [flood] = report.registration;
    expect(flood!.registeredBefore).toBe(1000);
    expect(flood!.registered).toBeGreaterThan(0);
    expect(flood!.errors).toBe(0);
    expect(flood!.series.reduce((a, b) => a + b, 0)).toBe(flood!.registered);
    for (const ping of [flood!.pingIdle, flood!.pingFlood]) {
      expect(ping.count).toBeGreaterThan(0);
      expect(ping.p50Ms).toBeLessThanOrEqual(ping.p99Ms);
      expect(ping.p99Ms).toBeLessThanOrEqual(ping.maxMs);
    }
    // Every registration of the flood is on disk (snapshot of the 1000, journal of the rest).
    expect(flood!.fileBytes).toBeGreaterThan(1000 * 100);
    expect(stdout).toMatch(/## Registration flood \(--registry, 4 connections registering\)/);
    expect(stdout).toMatch(/\| 1\.0 k \| \d+ in 1 s \|/);
  });
});

const peers = await requireTool('redis-server', 'ngircd');

describe.skipIf(peers.skip)(
  peers.title('bench against its peers'),
  () => {
    it('drives Redis, ngIRCd, ngIRCd + PING and the relay with the same workloads; a PING per message doubles ngIRCd\'s writes', async () => {
      const { report, stdout } = await bench('peers', [
        '--only',
        'fanout,direct',
        '--receivers',
        '5',
        '--pairs',
        '3',
        '--peers',
        'redis,irc,irc-ping,relay',
        '--direct-rates',
        '1k,2k,5k',
      ]);
      expect(report.skipped).toEqual([]);
      expect(report.failures).toEqual([]);
      // ngIRCd + PING only where a reply per message makes a difference; the relay knows only MSG <id>.
      expect(report.fanout.map((result) => result.kind)).toEqual(['chatmsg', 'redis', 'irc']);
      for (const result of report.fanout) for (const phase of [...result.ladder, result.max, result.half]) expectSane(phase, 5);
      expect(report.direct.map((result) => result.kind)).toEqual(['chatmsg', 'redis', 'irc', 'irc-ping', 'relay']);
      for (const result of report.direct) {
        expect(result.ladder.map((phase) => phase.offered)).toEqual([1000, 2000, 5000]);
        for (const phase of result.ladder) expectSane(phase, 1);
      }
      // The servers take turns at each rate, and who goes first moves by one at every rate.
      const turns = (index: number) =>
        [...report.direct].sort((x, y) => x.ladder[index]!.window.startMicros - y.ladder[index]!.window.startMicros).map((r) => r.kind);
      expect(turns(0)).toEqual(['chatmsg', 'redis', 'irc', 'irc-ping', 'relay']);
      expect(turns(1)).toEqual(['redis', 'irc', 'irc-ping', 'relay', 'chatmsg']);
      expect(turns(2)).toEqual(['irc', 'irc-ping', 'relay', 'chatmsg', 'redis']);
      const lastOfRate = (index: number) => Math.max(...report.direct.map((r) => r.ladder[index]!.window.endMicros));
      const firstOfRate = (index: number) => Math.min(...report.direct.map((r) => r.ladder[index]!.window.startMicros));
      expect(lastOfRate(0)).toBeLessThan(firstOfRate(1));
      expect(lastOfRate(1)).toBeLessThan(firstOfRate(2));
      // At the first rate (1000 msg/s, one message per tick) every message is a write of its own.
      const writesPerMessage = (kind: string) => {
        const first = report.direct.find((result) => result.kind === kind)!.ladder[0]!;
        return first.serverSyscalls!.writes / first.sent;
      };
      // ngIRCd writes the PRIVMSG to its receiver and nothing to the sender; the others also reply.
      expect(writesPerMessage('irc')).toBeGreaterThan(0.9);
      expect(writesPerMessage('irc')).toBeLessThan(1.2);
      for (const kind of ['irc-ping', 'redis', 'chatmsg', 'relay']) expect(writesPerMessage(kind), kind).toBeGreaterThan(1.5);
      // The target is against the peer that replies to every message as we do, up to 20 k msg/s.
      expect(stdout).toMatch(/- Direct: p99 vs ngircd \+ PING at the \d+ rates up to 20 k msg\/s it held, ours worse at \d+.*: (met|NOT met)\n/);
      expect(stdout).toMatch(/- Direct: p99 vs ngircd at the \d+ rates it held, .*\(one write per message fewer than ours; not a target\)/);
      expect(stdout).toMatch(/- Direct: p99 vs ngircd \+ PING at the \d+ rates up to 20 k msg\/s it held, the minimal Node relay worse at .*\(Node alone/);
      expect(stdout).toMatch(/- Direct: p99 vs minimal Node relay at the \d+ rates up to 20 k msg\/s it held, ours worse at .*\(what our server adds to Node/);
      expect(stdout).toMatch(/\| minimal Node relay \| 5\.0 k \|/);
      expect(stdout).toContain('Server syscalls per message (read + write; socket and log alike)');
    }, 120_000);
  },
);

describe('bench --baseline (another build of our server, in the same run)', () => {
  /** A copy of this checkout's built server, as a checkout of the commit before a change would hold it. */
  function baselineCheckout(name: string): string {
    const checkout = join(dir, name);
    cpSync(fileURLToPath(new URL('../../dist', import.meta.url)), join(checkout, 'dist'), { recursive: true });
    return checkout;
  }

  it('runs the baseline build as a peer that takes turns with ours, and reports this build against it', async () => {
    const { report, stdout, stderr } = await bench('baseline', ['--only', 'direct', '--pairs', '3', '--direct-rates', '1k,2k', '--baseline', baselineCheckout('before')]);
    expect(report.failures).toEqual([]);
    // After every server's logins a quiet time, then each server warms up right before its own
    // first phase, not all of them first.
    expect(stderr).toMatch(
      /quiet: 3\.8 s after the logins of every server, not measured\n {2}warm-up chatmsg-server: [^\n]*\n {2}settle chatmsg-server: [^\n]*\n {2}direct chatmsg-server [^\n]*\n {2}warm-up chatmsg-server \(baseline\): [^\n]*\n {2}settle chatmsg-server \(baseline\): [^\n]*\n {2}direct chatmsg-server \(baseline\) /,
    );
    expect(report.direct.map((result) => result.kind)).toEqual(['chatmsg', 'baseline']);
    for (const result of report.direct) for (const phase of result.ladder) expectSane(phase, 1);
    const firstAt = (kind: string, index: number) => report.direct.find((r) => r.kind === kind)!.ladder[index]!.window.startMicros;
    expect(firstAt('chatmsg', 0)).toBeLessThan(firstAt('baseline', 0));
    expect(firstAt('baseline', 1)).toBeLessThan(firstAt('chatmsg', 1));
    expect(stdout).toContain('## Against the baseline build (--baseline)');
    expect(stdout).toMatch(/- Direct, highest rate held: 2\.0 k against 2\.0 k msg\/s before \(1\.00x\)/);
    expect(stdout).toMatch(/- Direct: p99 vs chatmsg-server \(baseline\) at the 2 rates it held, ours worse at [012].*\(this build against the baseline\)/);
  });

  it('a baseline build that cannot start is a failure of its own, and ours still runs', async () => {
    const broken = baselineCheckout('broken');
    rmSync(join(broken, 'dist', 'server', 'router.js'));
    const { report } = await bench('broken-baseline', ['--only', 'direct', '--pairs', '3', '--direct-rates', '1k', '--baseline', broken]);
    expect(report.failures).toEqual([{ kind: 'baseline', workload: 'direct', error: expect.stringMatching(/exited \(1\) before listening/) }]);
    expect(report.direct.map((result) => result.kind)).toEqual(['chatmsg']);
  });
});

describe('bench command line', () => {
  it.each([
    [['--only', 'nope'], /bad --only workload "nope"/],
    [['--server', '10.0.0.1:5151'], /the bench only loads loopback/],
    [['--duration', '0'], /bad --duration "0"/],
    [['--idle=-1'], /bad --idle "-1"/],
    [['--peers', 'postgres'], /bad --peers peer "postgres"/],
    [['--direct-rates', '5k,1k'], /bad --direct-rates "5k,1k": rates must rise/],
    [['--direct-rates', 'fast'], /bad --direct-rates rate "fast"/],
    [['--repeat', '0'], /bad --repeat "0"/],
    [['--baseline', 'no-such-checkout'], /bad --baseline "no-such-checkout": no dist\/cli\/server\.js in it; build that checkout first/],
  ])('%j is refused with one line and exit 2', async (args, message) => {
    const result = await execa('node', [BENCH_BIN, ...args], { reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.split('\n')[0]).toMatch(message);
  });

  it('a missing peer is skipped with the command that installs it, and the rest runs', async () => {
    const { report, stdout } = await bench('missing-peer', [
      '--only',
      'direct',
      '--pairs',
      '3',
      '--peers',
      'redis',
      '--redis-server',
      join(dir, 'no-such-redis-server'),
    ]);
    expect(report.skipped).toEqual([
      { kind: 'redis', reason: expect.stringMatching(/no-such-redis-server is not an executable redis-server; install one with: apt-get install redis-server/) },
    ]);
    expect(report.direct.map((result) => result.kind)).toEqual(['chatmsg']);
    expect(stdout).toMatch(/- redis skipped: .*apt-get install redis-server/);
  });

  it('a missing peer names the Debian package to install', () => {
    expect(() => requireExecutable('chatmsg-no-such-peer', 'redis-server')).toThrow(MissingPeerError);
    expect(() => requireExecutable('chatmsg-no-such-peer', 'redis-server')).toThrow(/apt-get install redis-server/);
  });
});

describe('bench --profile (the server under node --cpu-prof, read back by stage)', () => {
  it('gives µs per direct message by stage at each rate, adding up to the busy time', async () => {
    const profiles = join(dir, 'profiles');
    const { report, stdout } = await bench('profile', ['--only', 'direct', '--pairs', '5', '--profile', profiles]);
    const profile = report.direct[0]!.profile!;
    expect(profile.file.startsWith(profiles)).toBe(true);
    expect(readFileSync(profile.file, 'utf8')).toMatch(/^\{"nodes":/);
    expect(profile.rates.map((r) => r.offered)).toEqual(report.direct[0]!.ladder.map((step) => step.offered));
    for (const rate of profile.rates) {
      expect(rate.messages).toBeGreaterThan(0);
      // The server did work in every phase, and it was the socket writes more than nothing.
      expect(rate.busyMicrosPerMessage).toBeGreaterThan(0);
      expect(rate.microsPerMessage.write).toBeGreaterThan(0);
      const sum = STAGES.reduce((total, stage) => total + rate.microsPerMessage[stage], 0);
      expect(sum).toBeCloseTo(rate.busyMicrosPerMessage, 6);
    }
    expect(stdout).toContain("Where our server's main thread spent its time");
  });
});

/**
 * A CHAT-MSG server just good enough for the connections workload, except that the first
 * client to log in is never told of the second: one JOINED lost out of n(n-1)/2.
 */
async function lossyPresenceServer(): Promise<{ port: number; close: () => void }> {
  const online: { id: string; socket: Socket }[] = [];
  const server = createServer((socket) => {
    socket.write('HELLO CHAT-MSG/1 lossy\n');
    let buffered = '';
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (let lf = buffered.indexOf('\n'); lf !== -1; lf = buffered.indexOf('\n')) {
        const [verb, arg, ...rest] = buffered.slice(0, lf).split(' ');
        buffered = buffered.slice(lf + 1);
        const from = online.find((member) => member.socket === socket);
        if (verb === 'LOGIN' && arg !== undefined) {
          socket.write(`OK LOGIN ${arg}\n`);
          online.forEach((member, i) => {
            if (!(i === 0 && online.length === 1)) member.socket.write(`JOINED ${arg}\n`);
          });
          online.push({ id: arg, socket });
        } else if (verb === 'PING') {
          socket.write(arg === undefined ? 'PONG\n' : `PONG ${arg}\n`);
        } else if (verb === 'MSG' && from !== undefined) {
          const others = online.filter((member) => member !== from);
          for (const member of others) member.socket.write(`MSG ${from.id} ALL ${rest.join(' ')}\n`);
          socket.write(`OK MSG ALL ${others.length}\n`);
        }
      }
    });
    socket.on('close', () => online.splice(online.findIndex((member) => member.socket === socket) >>> 0, 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const member of online) member.socket.destroy();
      server.close();
    },
  };
}
