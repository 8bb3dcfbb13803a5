import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { findProgram } from '../platform/find-program.js';
import { SERVER_NODE_FLAGS } from '../server/node-flags.js';
import type { ServerKind } from './dialects.js';

/** A server under test: where it listens and, when the bench started it, its process. */
export interface ServerUnderTest {
  kind: ServerKind;
  /** What the report calls it: `chatmsg-server`, `redis-server 7.0.15` ... */
  label: string;
  host: string;
  port: number;
  /** Undefined for a server the bench did not start (--server): no memory or CPU figures then. */
  pid: number | undefined;
  /** With --profile: the `.cpuprofile` the server writes when it exits. */
  profileFile?: string | undefined;
  stop(): Promise<void>;
}

/** A peer the bench could not start, and how to get it. */
export class MissingPeerError extends Error {
  override name = 'MissingPeerError';
}

const SERVER_BIN = fileURLToPath(new URL('../cli/server.js', import.meta.url));
const RELAY_BIN = fileURLToPath(new URL('./minimal-relay.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

export interface OurServerOptions {
  /** Another build's dist/cli/server.js (--baseline): started the same way, reported as the baseline. */
  baselineBin?: string | undefined;
  maxClients: number;
  maxQueue: number;
  /** Directory for a `node --cpu-prof` profile of the server, written when it exits. */
  profileDir?: string | undefined;
  /** More options for the server (the registration workload's --registry ...). */
  extraArgs?: readonly string[] | undefined;
}

/**
 * Starts `node dist/cli/server.js <port> --host 127.0.0.1 ...` and waits until it accepts.
 * Its log (a line per request) goes to `<dir>/chatmsg-server.log` (the baseline's to
 * `chatmsg-baseline.log`), not to a pipe: Node writes stderr on a pipe synchronously, so a
 * bench busy elsewhere would stall the server it measures.
 */
export async function startOurServer(dir: string, options: OurServerOptions): Promise<ServerUnderTest> {
  const port = await freePort();
  const profileName = `chatmsg-server-${port}-${Date.now()}.cpuprofile`;
  const nodeFlags = options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir, '--cpu-prof-name', profileName] : [];
  const args = [
    ...SERVER_NODE_FLAGS,
    ...nodeFlags,
    options.baselineBin ?? SERVER_BIN,
    String(port),
    '--host',
    '127.0.0.1',
    '--max-clients',
    String(options.maxClients),
    '--rate-limit',
    '0',
    '--max-queue',
    String(options.maxQueue),
    // Thousands of clients connect before any logs in (see load-worker.ts open): no ERR 408 meanwhile.
    '--login-timeout',
    '3600',
    ...(options.extraArgs ?? []),
  ];
  const baseline = options.baselineBin !== undefined;
  const logFile = join(dir, baseline ? 'chatmsg-baseline.log' : 'chatmsg-server.log');
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, args, { stdio: ['ignore', log, log] });
  closeSync(log);
  try {
    await waitForPort(port, child, 'chatmsg-server');
  } catch (error) {
    throw new Error(`${(error as Error).message}; its log:\n${logTail(logFile)}`, { cause: error });
  }
  const server = baseline
    ? managed('baseline', 'chatmsg-server (baseline)', '127.0.0.1', port, child)
    : managed('chatmsg', 'chatmsg-server', '127.0.0.1', port, child);
  return options.profileDir === undefined ? server : { ...server, profileFile: join(options.profileDir, profileName) };
}

/** The last lines of a log file, for an error message. */
function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-4096);
  } catch {
    return '(no log)';
  }
}

/** The path of an executable found on PATH or in the sbin directories Debian uses, or undefined. */
export const findExecutable = (name: string): string | undefined =>
  findProgram([name], { extraDirs: ['/usr/sbin', '/usr/bin', '/sbin', '/usr/local/sbin'] });

/** The executable's path; MissingPeerError saying which Debian package to install when it is absent. */
export function requireExecutable(name: string, aptPackage: string): string {
  const path = findExecutable(name);
  if (path === undefined) {
    throw new MissingPeerError(`${name} not found; install it with: apt-get install ${aptPackage}`);
  }
  return path;
}

/**
 * The peer's executable: `given` (--redis-server, --ngircd) when the user named one, else found
 * on PATH; MissingPeerError with the install hint when there is none.
 */
export function peerExecutable(given: string | undefined, name: string, aptPackage: string): string {
  if (given === undefined) return requireExecutable(name, aptPackage);
  try {
    accessSync(given, constants.X_OK);
  } catch {
    throw new MissingPeerError(`${given} is not an executable ${name}; install one with: apt-get install ${aptPackage}`);
  }
  return given;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; a peer is then told to listen on it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** Redis on loopback, no persistence, no output-buffer limit for subscribers (like our big --max-queue). */
export async function startRedis(dir: string, maxClients: number, executable?: string): Promise<ServerUnderTest> {
  const bin = peerExecutable(executable, 'redis-server', 'redis-server');
  const port = await freePort();
  const config = join(dir, 'redis.conf');
  writeFileSync(
    config,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'protected-mode no',
      'save ""',
      'appendonly no',
      `dir ${dir}`,
      `maxclients ${maxClients}`,
      'client-output-buffer-limit pubsub 0 0 0',
      'loglevel warning',
      '',
    ].join('\n'),
  );
  const child = spawn(bin, [config], { stdio: 'ignore' });
  await waitForPort(port, child, 'redis-server');
  return managed('redis', 'redis-server', '127.0.0.1', port, child);
}

/**
 * ngIRCd on loopback with its limits opened as far as the configuration allows: no connection
 * caps, no DNS/ident lookups, MaxPenaltyTime 0 (no command penalties). What remains is built in.
 */
export async function startIrc(dir: string, executable?: string, kind: 'irc' | 'irc-ping' = 'irc'): Promise<ServerUnderTest> {
  const bin = peerExecutable(executable, 'ngircd', 'ngircd');
  const port = await freePort();
  const config = join(dir, 'ngircd.conf');
  writeFileSync(
    config,
    [
      '[Global]',
      'Name = bench.irc',
      'Info = chatmsg bench peer',
      'AdminInfo1 = bench',
      'AdminInfo2 = loopback',
      'AdminEMail = bench@localhost',
      'Listen = 127.0.0.1',
      `Ports = ${port}`,
      'MotdPhrase = bench',
      '[Limits]',
      'MaxConnections = 0',
      'MaxConnectionsIP = 0',
      'MaxJoins = 0',
      'MaxNickLength = 31',
      'MaxPenaltyTime = 0',
      'PingTimeout = 3600',
      'PongTimeout = 3600',
      '[Options]',
      'DNS = no',
      'Ident = no',
      'PAM = no',
      '',
    ].join('\n'),
  );
  const child = spawn(bin, ['--nodaemon', '--config', config], { stdio: 'ignore' });
  await waitForPort(port, child, 'ngircd');
  return managed(kind, kind === 'irc' ? 'ngircd' : 'ngircd + PING', '127.0.0.1', port, child);
}

/**
 * The minimal Node relay (minimal-relay.ts), with the same Node flags as our server, so that
 * the two differ only by what our server does beyond the socket work.
 */
export async function startRelay(): Promise<ServerUnderTest> {
  const port = await freePort();
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, RELAY_BIN, String(port)], { stdio: 'ignore' });
  await waitForPort(port, child, 'minimal relay');
  return managed('relay', 'minimal Node relay', '127.0.0.1', port, child);
}

/** Polls until the port accepts a connection or the process exits. */
async function waitForPort(port: number, child: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}) before listening`);
    if (await accepts(port)) return;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not listen on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Servers this process started and has not stopped yet: killed if the bench itself is stopped. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function managed(kind: ServerKind, label: string, host: string, port: number, child: ChildProcess): ServerUnderTest {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return {
    kind,
    label,
    host,
    port,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** A server someone else runs (--server host:port): the bench only connects to it. */
export function externalServer(host: string, port: number): ServerUnderTest {
  return { kind: 'chatmsg', label: `chatmsg at ${host}:${port}`, host, port, pid: undefined, stop: async () => {} };
}
