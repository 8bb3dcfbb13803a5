import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem, type as osType, release } from 'node:os';
import { join } from 'node:path';
import type { ServerKind } from './dialects.js';
import {
  externalServer,
  MissingPeerError,
  startIrc,
  startOurServer,
  startRedis,
  startRelay,
  type ServerUnderTest,
} from './servers.js';
import { registration, type RegistrationResult } from './registration.js';
import { direct, type DirectResult } from './direct.js';
import { connections, fanout, type ConnectionsResult, type FanoutResult, type Workload, type WorkloadContext } from './workloads.js';

export type PeerKind = Exclude<ServerKind, 'chatmsg'>;

export interface BenchOptions {
  only: readonly Workload[];
  /** Fan-out receiver counts. */
  receivers: readonly number[];
  durationMs: number;
  /** Quiet time of the connections workload before its idle memory reading. */
  idleMs: number;
  peers: readonly PeerKind[];
  senders: number;
  pairs: number;
  connections: number;
  payloadSize: number;
  receiverWorkers: number;
  senderWorkers: number;
  /** Offered fan-out rates in deliveries per second, rising. */
  fanoutLadder: readonly number[];
  /** Offered direct rates in messages per second, rising. */
  directLadder: readonly number[];
  /** Runs of the direct workload in a row, each with fresh servers (--repeat; 1 = once). */
  directRepeat: number;
  /** Ids in the registry before each registration flood. */
  registrationScales: readonly number[];
  /** Connections registering at once in the registration flood. */
  registrationConnections: number;
  /** --server host:port: drive that server instead of starting ours (no memory/CPU figures). */
  server?: { host: string; port: number } | undefined;
  /**
   * --baseline: another build's dist/cli/server.js, run as the peer `baseline` in every workload
   * but registration, so a change is measured against the build before it in the same run.
   */
  baselineBin?: string | undefined;
  /** Bytes of unsent output per client before our server drops it. */
  maxQueue: number;
  /** Executables of the peers (--redis-server, --ngircd); found on PATH when absent. */
  peerExecutables?: Partial<Record<PeerKind, string>> | undefined;
  /** Write `node --cpu-prof` profiles of our server here. */
  profileDir?: string | undefined;
  progress(line: string): void;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** 1-minute load average when the bench started: other work sharing the machine. */
  loadAverage: number;
}

export interface BenchReport {
  startedAt: string;
  seconds: number;
  machine: MachineInfo;
  options: Omit<BenchOptions, 'progress'>;
  /** Peers that could not be started, with the reason (and how to install them). */
  skipped: { kind: PeerKind; reason: string }[];
  /** Workloads that failed on a server (it stopped answering, clients could not log in ...). */
  failures: { kind: ServerKind; workload: string; error: string }[];
  fanout: FanoutResult[];
  direct: DirectResult[];
  /** With --repeat N: the direct workload's runs after the first (`direct`), in order. */
  directRepeats: DirectResult[][];
  connections: ConnectionsResult[];
  /** Our server only: the peers have no registration. */
  registration: RegistrationResult[];
}

export function machineInfo(): MachineInfo {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
    loadAverage: loadavg()[0]!,
  };
}

/**
 * Runs the chosen workloads against our server and every peer, one server at a time (each on a
 * fresh process), in the same run, so the ratios compare like with like.
 */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const started = new Date();
  const dir = mkdtempSync(join(tmpdir(), 'chatmsg-bench-'));
  const skipped: BenchReport['skipped'] = [];
  const kinds: ServerKind[] = ['chatmsg', ...options.peers];
  const start = async (kind: ServerKind, clients: number): Promise<ServerUnderTest> => {
    switch (kind) {
      case 'chatmsg':
        return options.server
          ? externalServer(options.server.host, options.server.port)
          : startOurServer(dir, { maxClients: clients + 100, maxQueue: options.maxQueue, profileDir: options.profileDir });
      case 'redis':
        return startRedis(dir, clients + 100, options.peerExecutables?.redis);
      case 'irc':
      case 'irc-ping':
        return startIrc(dir, options.peerExecutables?.irc, kind);
      case 'relay':
        return startRelay();
      case 'baseline':
        if (options.baselineBin === undefined) throw new Error('the baseline peer needs --baseline DIR');
        return startOurServer(dir, { maxClients: clients + 100, maxQueue: options.maxQueue, baselineBin: options.baselineBin });
    }
  };
  const context: WorkloadContext = {
    start,
    progress: options.progress,
    durationMs: options.durationMs,
    idleMs: options.idleMs,
    payloadSize: options.payloadSize,
    receiverWorkers: options.receiverWorkers,
    senderWorkers: options.senderWorkers,
    senders: options.senders,
  };
  const report: BenchReport = {
    startedAt: started.toISOString(),
    seconds: 0,
    machine: machineInfo(),
    options: withoutProgress(options),
    skipped,
    failures: [],
    fanout: [],
    direct: [],
    directRepeats: [],
    connections: [],
    registration: [],
  };
  // ngIRCd + PING differs from ngIRCd only by a reply per message: it matters where a message
  // makes one delivery (direct), not where it makes N or none. The relay knows only direct messages.
  const withoutReplyPeer: ServerKind[] = kinds.filter((kind) => kind !== 'irc-ping' && kind !== 'relay');
  /** A missing peer is skipped for the rest of the run; any other failure is recorded and the run goes on. */
  const recordFailure = (workload: string, kind: ServerKind, error: unknown) => {
    if (error instanceof MissingPeerError && kind !== 'chatmsg') {
      options.progress(`  skipping ${kind}: ${error.message}`);
      skipped.push({ kind, reason: error.message });
    } else {
      const message = error instanceof Error ? error.message : String(error);
      options.progress(`  ${workload} on ${kind} failed: ${message}`);
      report.failures.push({ kind, workload, error: message });
    }
  };
  const available = (among: readonly ServerKind[]) => among.filter((kind) => !skipped.some((s) => s.kind === kind));
  /**
   * Runs `task` for each server kind (of `among`) still available; a missing peer is skipped for
   * the rest of the run, a failed workload is recorded and the run goes on.
   */
  const forEachKind = async <T>(workload: string, task: (kind: ServerKind) => Promise<T>, into: T[], among = withoutReplyPeer) => {
    for (const kind of available(among)) {
      try {
        into.push(await task(kind));
      } catch (error) {
        recordFailure(workload, kind, error);
      }
    }
  };
  try {
    if (options.only.includes('fanout')) {
      for (const receivers of options.receivers) {
        options.progress(`fan-out, ${receivers} receivers, ${options.senders} senders`);
        await forEachKind(`fanout N=${receivers}`, (kind) => fanout(context, kind, receivers, options.fanoutLadder), report.fanout);
      }
    }
    if (options.only.includes('direct')) {
      const runs = options.directRepeat;
      for (let run = 1; run <= runs; run++) {
        options.progress(`direct, ${options.pairs} pairs${runs > 1 ? `, run ${run} of ${runs}` : ''}`);
        const failed = (kind: ServerKind, error: unknown) => recordFailure(runs > 1 ? `direct (run ${run})` : 'direct', kind, error);
        const results = await direct(context, available(kinds), options.pairs, options.directLadder, { failed });
        if (run === 1) report.direct.push(...results);
        else report.directRepeats.push(results);
      }
    }
    if (options.only.includes('connections')) {
      options.progress(`connections, ${options.connections} clients`);
      await forEachKind('connections', (kind) => connections(context, kind, options.connections), report.connections);
    }
    if (options.only.includes('registration')) {
      options.progress(`registration, ${options.registrationConnections} connections registering, at ${options.registrationScales.join(' and ')} ids`);
      if (options.server !== undefined) {
        options.progress('  skipped: it starts its own server with a registry of a given size (not with --server)');
      } else {
        try {
          const flood = { dir, scales: options.registrationScales, connections: options.registrationConnections, durationMs: 2 * options.durationMs };
          report.registration.push(...(await registration({ ...flood, progress: options.progress })));
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          options.progress(`  registration failed: ${message}`);
          report.failures.push({ kind: 'chatmsg', workload: 'registration', error: message });
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  report.seconds = (Date.now() - started.getTime()) / 1000;
  return report;
}

function withoutProgress(options: BenchOptions): Omit<BenchOptions, 'progress'> {
  const { progress: _progress, ...rest } = options;
  return rest;
}
