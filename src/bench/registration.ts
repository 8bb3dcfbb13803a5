import { statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { Registry } from '../server/registry.js';
import { IdentityKey } from '../crypto/identity.js';
import { Histogram } from './histogram.js';
import { cpuSeconds, residentKiB } from './proc-stats.js';
import type { FloodResult, FloodSetup } from './registration-flood.js';
import { startOurServer } from './servers.js';

const FLOOD_URL = new URL('./registration-flood.js', import.meta.url);
/** How often the probe client sends a PING, during the idle baseline and the flood. */
const PING_INTERVAL_MS = 10;
/** Quiet PINGs before the flood: the probe's latency when nobody registers. */
const BASELINE_MS = 1000;

export interface PingLatency {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface RegistrationResult {
  /** Ids in the registry when the flood started. */
  registeredBefore: number;
  connections: number;
  seconds: number;
  registered: number;
  perSecond: number;
  /** Registrations completed in each second: whether throughput falls as the registry grows. */
  series: number[];
  errors: number;
  firstError?: string | undefined;
  /** Another client's PING round trips before the flood and during it. */
  pingIdle: PingLatency;
  pingFlood: PingLatency;
  rssKiB: number | undefined;
  /** The server's CPU time (user + system) per registration during the flood, ms. */
  serverCpuMsPerRegistration: number | undefined;
  /** Snapshot and journal on disk after the flood. */
  fileBytes: number;
}

export interface RegistrationOptions {
  dir: string;
  /** Ids registered before the flood, one run each. */
  scales: readonly number[];
  connections: number;
  durationMs: number;
  progress(line: string): void;
}

/**
 * The registration workload: a server with --registry holding N ids (made beforehand through the
 * Registry itself), a flood of registrations from `connections` loops in a worker thread, and a
 * logged-in client that PINGs every 10 ms, whose round trips show what the flood costs everyone else.
 */
export async function registration(options: RegistrationOptions): Promise<RegistrationResult[]> {
  const results: RegistrationResult[] = [];
  for (const scale of options.scales) {
    const file = join(options.dir, `registry-${scale}.json`);
    await prefill(file, scale);
    const server = await startOurServer(options.dir, {
      maxClients: options.connections + 100,
      maxQueue: 1024 * 1024,
      extraArgs: ['--registry', file, '--max-registered', String(scale + 10_000_000), '--register-limit', '0'],
    });
    try {
      const probe = await PingProbe.open(server.host, server.port);
      await probe.run(BASELINE_MS);
      const pingIdle = probe.take();
      const cpuBefore = server.pid === undefined ? undefined : cpuSeconds(server.pid);
      const flooding = runFlood({ host: server.host, port: server.port, connections: options.connections, durationMs: options.durationMs, prefix: `n${scale}x` });
      await probe.run(options.durationMs);
      const flood = await flooding;
      const cpuAfter = server.pid === undefined ? undefined : cpuSeconds(server.pid);
      const pingFlood = probe.take();
      probe.close();
      const seconds = options.durationMs / 1000;
      const result: RegistrationResult = {
        registeredBefore: scale,
        connections: options.connections,
        seconds,
        registered: flood.registered,
        perSecond: flood.registered / seconds,
        series: flood.perSecond,
        errors: flood.errors,
        firstError: flood.firstError,
        pingIdle,
        pingFlood,
        rssKiB: server.pid === undefined ? undefined : residentKiB(server.pid),
        serverCpuMsPerRegistration:
          cpuBefore === undefined || cpuAfter === undefined || flood.registered === 0 ? undefined : (1000 * (cpuAfter - cpuBefore)) / flood.registered,
        fileBytes: fileSize(file) + fileSize(`${file}.journal`),
      };
      options.progress(
        `  registration at ${scale} ids: ${Math.round(result.perSecond)}/s, PING p99 ${result.pingFlood.p99Ms.toFixed(1)} ms during the flood (${result.pingIdle.p99Ms.toFixed(1)} ms before)`,
      );
      results.push(result);
    } finally {
      await server.stop();
    }
  }
  return results;
}

/** A registry file with `count` ids, written by the Registry (journal, then folded into the snapshot). */
async function prefill(file: string, count: number): Promise<void> {
  const registry = await Registry.open(file);
  const key = IdentityKey.generate().publicKey;
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) writes.push(registry.register(`pre${i}`, key));
  await Promise.all(writes);
  await registry.close();
  // Opening folds the journal into one snapshot, as a server start would.
  await (await Registry.open(file)).close();
}

function runFlood(setup: FloodSetup): Promise<FloodResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(FLOOD_URL, { workerData: setup });
    worker.once('message', (result: FloodResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** A logged-in client that PINGs on a fixed schedule and records each round trip. */
class PingProbe {
  readonly #socket: net.Socket;
  readonly #sent = new Map<string, number>();
  #histogram = new Histogram();
  #tail = '';
  #sequence = 0;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const lines = (this.#tail + chunk).split('\n');
      this.#tail = lines.pop()!;
      for (const line of lines) {
        const sent = line.startsWith('PONG ') ? this.#sent.get(line.slice(5)) : undefined;
        if (sent === undefined) continue;
        this.#sent.delete(line.slice(5));
        this.#histogram.record((performance.now() - sent) * 1000);
      }
    });
  }

  static open(host: string, port: number): Promise<PingProbe> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, noDelay: true });
      socket.once('error', reject);
      let seen = '';
      const onData = (chunk: Buffer) => {
        seen += chunk.toString();
        if (!seen.includes('OK LOGIN')) return;
        socket.off('data', onData);
        socket.off('error', reject);
        socket.on('error', () => {});
        resolve(new PingProbe(socket));
      };
      socket.on('data', onData);
      socket.write('LOGIN ping-probe\n');
    });
  }

  /** PINGs every PING_INTERVAL_MS for `ms`, then waits (bounded) for the last answers. */
  async run(ms: number): Promise<void> {
    const timer = setInterval(() => {
      const token = `p${this.#sequence++}`;
      this.#sent.set(token, performance.now());
      this.#socket.write(`PING ${token}\n`);
    }, PING_INTERVAL_MS);
    await sleep(ms);
    clearInterval(timer);
    const deadline = Date.now() + 10_000;
    while (this.#sent.size > 0 && Date.now() < deadline) await sleep(10);
    // An unanswered PING counts as slow as the wait allowed, never as missing.
    for (const sent of this.#sent.values()) this.#histogram.record((performance.now() - sent) * 1000);
    this.#sent.clear();
  }

  /** The round trips so far, and a fresh histogram for the next phase. */
  take(): PingLatency {
    const h = this.#histogram;
    this.#histogram = new Histogram();
    return { count: h.count, p50Ms: h.percentile(0.5) / 1000, p99Ms: h.percentile(0.99) / 1000, maxMs: h.max / 1000 };
  }

  close(): void {
    this.#socket.destroy();
  }
}
