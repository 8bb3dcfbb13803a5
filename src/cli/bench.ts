#!/usr/bin/env node
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderMarkdown } from '../bench/report.js';
import { runBench, type BenchOptions, type PeerKind } from '../bench/run.js';
import { renderLatencyPlot } from '../bench/svg-plot.js';
import { WORKLOADS, type Workload } from '../bench/workloads.js';
import { OptionError, parsePort, parsePositiveInteger, parsePositiveNumber, parseRates, withUsage, type CommandInfo } from './options.js';

const command: CommandInfo = { name: 'chatmsg-bench', usage: '[options]' };

/**
 * irc-ping: ngIRCd with a PING after each message, so it writes a reply per message as we do.
 * relay: a minimal Node relay of the direct workload, what Node alone costs.
 */
const PEERS: readonly PeerKind[] = ['redis', 'irc', 'irc-ping', 'relay'];

/** The full run and the quick one (a few seconds per server, for a smoke test or a first look). */
const PROFILES = {
  full: {
    receivers: [100, 1000, 5000],
    durationSeconds: 3,
    idleSeconds: 45,
    pairs: 100,
    connections: 10_000,
    fanoutLadder: [25_000, 50_000, 100_000, 200_000, 400_000, 800_000, 1_600_000],
    directLadder: [1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 400_000, 800_000],
    registrationScales: [10_000, 100_000],
  },
  quick: {
    receivers: [100],
    durationSeconds: 1,
    idleSeconds: 2,
    pairs: 20,
    connections: 1000,
    fanoutLadder: [25_000, 100_000, 400_000],
    directLadder: [1000, 5000, 20_000],
    registrationScales: [1000],
  },
} as const;

const HELP = `Usage: chatmsg-bench [options]

Drives a CHAT-MSG server over TCP on 127.0.0.1 and, in the same run, the peers it is compared
with (Redis pub/sub, the ngIRCd IRC server), each started by the bench on loopback with its
configuration in a temporary directory. Prints a Markdown table; see docs/PERFORMANCE.md.

Workloads:
  fanout        N receivers, senders MSG ALL at rising fixed rates, then as fast as accepted
  direct        sender -> receiver pairs, MSG <id> at rising rates until p99 > 50 ms
  connections   many clients log in; memory per client; one broadcast reaches all
  registration  a registry of 10,000 and of 100,000 ids (quick: 1000), a flood of REGISTER + PROVE
                from many connections for twice --duration; registrations/s and another
                client's PING p99 during it (our server only)

Options:
  --quick                 small and short (1 s phases, 100 receivers, 1000 connections)
  --only W[,W...]         run only these workloads (${WORKLOADS.join(', ')})
  --receivers N[,N...]    fan-out receiver counts (default 100,1000,5000; quick 100)
  --duration S            seconds per measured phase (default 3; quick 1)
  --senders N             fan-out senders (default 4)
  --pairs N               direct pairs (default 100; quick 20)
  --connections N         clients of the connections workload (default 10000; quick 1000)
  --idle S                seconds the connections workload waits before the idle memory reading
                          (default 45: Node's heap gives memory back some 20 s after traffic stops; quick 2)
  --registering N         connections registering at once in the registration flood (default 16)
  --payload BYTES         message text size (default 64)
  --direct-rates R[,R...] offered direct rates in msg/s, rising, e.g. 1k,2k,5k,10k,20k
                          (default 1k,2k,5k,10k,20k,50k,100k,200k,400k,800k; quick 1k,5k,20k)
  --repeat N              run the direct workload N times in a row, each with fresh servers, and
                          judge its latency target over all N (default 1; the issue asks for 3)
  --workers N             receiver threads of the load generator (default 2)
  --sender-workers N      sender threads of the load generator (default 2)
  --peers LIST|none       peers to compare with (default redis,irc,irc-ping,relay), or none;
                          irc-ping = ngIRCd with a PING after each message, answered with a
                          PONG: a reply per message, as CHAT-MSG's OK MSG (direct workload only);
                          relay = a minimal Node relay of MSG <id> and OK MSG, no log, no
                          presence: what Node alone costs (direct workload only)
  --redis-server PATH     the redis-server to compare with (default: the one on PATH)
  --ngircd PATH           the ngircd to compare with (default: the one on PATH)
  --server HOST:PORT      drive this running CHAT-MSG server (127.0.0.0/8 only) instead of starting one
  --baseline DIR          also run another build of our server, DIR/dist/cli/server.js (a checkout
                          of the commit before a change, built there), in every workload but
                          registration, taking turns with ours in the direct workload: a change's
                          before and after from the same run
  --max-queue BYTES       --max-queue of the server the bench starts (default 67108864)
  --profile DIR           run our server under node --cpu-prof, profiles into DIR
  --json FILE             also write the report as JSON
  --out DIR               write bench.md, bench.json and latency.svg into DIR
  -h, --help              show this help
`;

function parseList<T extends string>(value: string, what: string, allowed: readonly T[]): T[] {
  const items = value.split(',');
  for (const item of items) {
    if (!allowed.includes(item as T)) {
      throw new OptionError(`bad ${what} ${JSON.stringify(item)}: expected one of ${allowed.join(', ')}`);
    }
  }
  return items as T[];
}

function parseLoopback(value: string): { host: string; port: number } {
  const colon = value.lastIndexOf(':');
  const host = colon === -1 ? '' : value.slice(0, colon);
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) {
    throw new OptionError(`bad --server ${JSON.stringify(value)}: expected 127.x.y.z:port (the bench only loads loopback)`);
  }
  return { host, port: parsePort(value.slice(colon + 1), '--server port') };
}

/** --baseline DIR: the built server of that checkout, or why not. */
function parseBaseline(dir: string): string {
  const bin = resolve(dir, 'dist', 'cli', 'server.js');
  if (!existsSync(bin)) {
    throw new OptionError(`bad --baseline ${JSON.stringify(dir)}: no dist/cli/server.js in it; build that checkout first (npm ci && npm run build)`);
  }
  return bin;
}

type CliOptions = Omit<BenchOptions, 'progress'> & { json?: string | undefined; out?: string | undefined };

function parseCommandLine(args: string[]): CliOptions | 'help' {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      receivers: { type: 'string' },
      duration: { type: 'string' },
      senders: { type: 'string' },
      pairs: { type: 'string' },
      connections: { type: 'string' },
      payload: { type: 'string' },
      'direct-rates': { type: 'string' },
      repeat: { type: 'string' },
      registering: { type: 'string' },
      workers: { type: 'string' },
      'sender-workers': { type: 'string' },
      peers: { type: 'string' },
      server: { type: 'string' },
      baseline: { type: 'string' },
      'max-queue': { type: 'string' },
      'redis-server': { type: 'string' },
      ngircd: { type: 'string' },
      idle: { type: 'string' },
      profile: { type: 'string' },
      json: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new OptionError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const profile = values.quick ? PROFILES.quick : PROFILES.full;
  const positive = (value: string | undefined, what: string, fallback: number) =>
    value === undefined ? fallback : parsePositiveInteger(value, what);
  const payloadSize = positive(values.payload, '--payload', 64);
  if (payloadSize < 24) throw new OptionError(`bad --payload ${payloadSize}: the send stamp needs at least 24 bytes`);
  const peers = values.peers === undefined ? PEERS : values.peers === 'none' ? [] : parseList(values.peers, '--peers peer', PEERS);
  const baselineBin = values.baseline === undefined ? undefined : parseBaseline(values.baseline);
  return {
    only: values.only === undefined ? WORKLOADS : parseList<Workload>(values.only, '--only workload', WORKLOADS),
    receivers:
      values.receivers === undefined
        ? profile.receivers
        : values.receivers.split(',').map((n) => parsePositiveInteger(n, '--receivers count')),
    durationMs:
      1000 * (values.duration === undefined ? profile.durationSeconds : parsePositiveNumber(values.duration, '--duration')),
    idleMs: 1000 * (values.idle === undefined ? profile.idleSeconds : parsePositiveNumber(values.idle, '--idle')),
    peers: baselineBin === undefined ? peers : [...peers, 'baseline'],
    baselineBin,
    senders: positive(values.senders, '--senders', 4),
    pairs: positive(values.pairs, '--pairs', profile.pairs),
    connections: positive(values.connections, '--connections', profile.connections),
    payloadSize,
    receiverWorkers: positive(values.workers, '--workers', 2),
    senderWorkers: positive(values['sender-workers'], '--sender-workers', 2),
    fanoutLadder: profile.fanoutLadder,
    directLadder: values['direct-rates'] === undefined ? profile.directLadder : parseRates(values['direct-rates'], '--direct-rates'),
    directRepeat: positive(values.repeat, '--repeat', 1),
    registrationScales: profile.registrationScales,
    registrationConnections: positive(values.registering, '--registering', 16),
    server: values.server === undefined ? undefined : parseLoopback(values.server),
    maxQueue: positive(values['max-queue'], '--max-queue', 64 * 1024 * 1024),
    profileDir: values.profile,
    peerExecutables: { redis: values['redis-server'], irc: values.ngircd },
    json: values.json,
    out: values.out,
  };
}

async function main(): Promise<void> {
  const parsed = withUsage(command, () => parseCommandLine(process.argv.slice(2)));
  if (parsed === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const { json, out, ...options } = parsed;
  // Ctrl-C: exit through process.exit, whose handler stops the servers the bench started.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const report = await runBench({ ...options, progress: (line) => process.stderr.write(`${line}\n`) });
  const markdown = renderMarkdown(report);
  process.stdout.write(markdown);
  const reportJson = `${JSON.stringify(report, null, 2)}\n`;
  if (json !== undefined) writeFileSync(json, reportJson);
  if (out !== undefined) {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'bench.md'), markdown);
    writeFileSync(join(out, 'bench.json'), reportJson);
    writeFileSync(join(out, 'latency.svg'), renderLatencyPlot(report));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`chatmsg-bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
