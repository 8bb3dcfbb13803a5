import { execa, type Options, type ResultPromise } from 'execa';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveBaseImages } from './base-images.js';
import type { ComposeCommand } from './compose-command.js';
import { LAB_PROJECT, removeLabContainers } from './lab-containers.js';
import { acquireLabLock } from './lab-lock.js';
import { dockerNetworks, hostAddresses, LAB_BRIDGE, LAB_SUBNET, labNetworkClashes } from './lab-network.js';

export const LAB_FILES = {
  base: 'docker-compose.yml',
  wan: 'docker-compose.wan.yml',
  remote: 'docker-compose.remote.yml',
} as const;

/** The compose files of a run, base file first, in the order Compose merges them. */
export function labFiles(options: { wan: boolean; remote: boolean }): string[] {
  return [LAB_FILES.base, ...(options.wan ? [LAB_FILES.wan] : []), ...(options.remote ? [LAB_FILES.remote] : [])];
}

export interface LabRunOptions {
  compose: ComposeCommand;
  /** The folder with docker-compose.yml (the repository root). */
  projectDir: string;
  scenario: string;
  wan: boolean;
  remote?: { host: string; port: number };
  /** The whole run (build excluded) is stopped after this long. */
  timeoutMs: number;
  /** Leave the stopped containers and the network for inspection. */
  keep: boolean;
  /** Aborted on Ctrl-C: the run stops waiting, then stops and removes the lab as usual. */
  signal?: AbortSignal;
  log: (line: string) => void;
}

export interface LabRunResult {
  /** The scenario runner's exit code (0 = PASS); 1 when the lab itself failed. */
  exitCode: number;
  /** The capture this run wrote, relative to the project folder. */
  pcap?: string;
}

/** Builds the images, runs the lab until the runner is done, stops and removes everything. */
export async function runLab(options: LabRunOptions): Promise<LabRunResult> {
  const { compose, projectDir, log } = options;
  const files = labFiles({ wan: options.wan, remote: options.remote !== undefined });
  const baseImages = await resolveBaseImages(process.env);
  const env: Record<string, string> = {
    ...baseImages,
    SCENARIO: options.scenario,
    ...(options.remote ? { SERVER_HOST: options.remote.host, SERVER_PORT: String(options.remote.port) } : {}),
  };
  const run = (args: string[], extra: Options = {}) =>
    execa(compose.file, [...compose.prefix, '-p', LAB_PROJECT, ...files.flatMap((f) => ['-f', f]), ...args], {
      cwd: projectDir,
      env,
      reject: false,
      ...extra,
    });

  // Docker would create a missing bind-mount folder owned by root.
  await mkdir(join(projectDir, 'captures'), { recursive: true });
  // Before the lock (it only reads): otherwise `up` fails late, with Docker's "Pool overlaps".
  const clashes = labNetworkClashes(await dockerNetworks(), hostAddresses());
  if (clashes.length > 0) {
    log(`the lab network ${LAB_SUBNET} is taken. ${clashes.join('; ')}`);
    return { exitCode: 1 };
  }
  const release = await acquireLabLock(options.timeoutMs, (pid) => log(`another lab run (pid ${pid}) is in progress: waiting for it`));
  try {
    return await runLocked(options, run, baseImages);
  } finally {
    await release();
  }
}

async function runLocked(options: LabRunOptions, run: Run, baseImages: Record<string, string>): Promise<LabRunResult> {
  const { projectDir, log } = options;
  const startedAt = Date.now();
  // A --keep run, or one that was killed, may have left containers: compose removes what its
  // current file set names, the lab's label finds the rest.
  await run(['down', '--remove-orphans', '--volumes']);
  const earlier = await removeLabContainers(log);
  if (earlier !== '') {
    log(`cannot remove what an earlier lab run left (${earlier}): remove it with docker rm -f / docker network rm, then run again`);
    return { exitCode: 1 };
  }
  if (!(await clearStaleLabNetwork(log))) return { exitCode: 1 };

  log(`building images (NODE_IMAGE=${baseImages.NODE_IMAGE}, DEBIAN_IMAGE=${baseImages.DEBIAN_IMAGE})`);
  const build = await run(['build'], { all: true });
  if (build.exitCode !== 0) {
    log(String(build.all).split('\n').slice(-30).join('\n'));
    log('image build failed; without Docker Hub, build the base images first: scripts/build-base-images.sh');
    return { exitCode: 1 };
  }

  if (options.signal?.aborted) return { exitCode: INTERRUPTED };
  log(`starting the lab: scenario ${options.scenario}${options.wan ? ', wan' : ''}${options.remote ? `, server ${options.remote.host}:${options.remote.port}` : ''}`);
  const up = run(['up', '--no-build'], { stdout: 'inherit', stderr: 'inherit' });
  let exitCode: number;
  try {
    exitCode = await waitForRunner(up, options, log);
    if (exitCode === RUNNER_NEVER_STARTED) {
      // `up` stops before attaching when a container fails to start: show what the containers said.
      log('what the containers said:');
      const logs = await run(['logs', '--no-color', '--tail', '20'], { all: true });
      log(String(logs.all));
      exitCode = 1;
    }
  } finally {
    // Stops what does not stop by itself (the remote capture, agents of a failed run): SIGTERM, clean.
    await run(['stop', '-t', '15']);
    await up;
    if (!options.keep) {
      await run(['down', '--remove-orphans', '--volumes']);
      const left = await removeLabContainers(log);
      log(left === '' ? 'tidied up: no lab containers or networks left' : `left behind after down: ${left}`);
    }
  }
  const pcap = await newestCapture(projectDir, options.scenario, startedAt);
  return { exitCode, ...(pcap ? { pcap } : {}) };
}

type Run = (args: string[], extra?: Options) => ResultPromise;

const RUNNER_NEVER_STARTED = -1;
/** The shell's exit code for a command stopped by Ctrl-C. */
const INTERRUPTED = 130;

/** Waits for the runner container to exist and to exit; returns its exit code (1 on timeout, RUNNER_NEVER_STARTED). */
async function waitForRunner(up: ResultPromise, options: LabRunOptions, log: (line: string) => void): Promise<number> {
  const { timeoutMs, signal } = options;
  const deadline = Date.now() + timeoutMs;
  let upEnded = false;
  void up.then(() => (upEnded = true));
  let id = '';
  while (!id) {
    if (signal?.aborted) return INTERRUPTED;
    if (upEnded || Date.now() > deadline) {
      log('the runner container never started');
      return RUNNER_NEVER_STARTED;
    }
    // By label, stopped ones included: `compose ps` lists only running containers in v2.
    const found = await execa('docker', ['ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${LAB_PROJECT}`, '--filter', 'label=com.docker.compose.service=runner'], { reject: false });
    id = String(found.stdout).trim().split('\n')[0] ?? '';
    if (!id) await sleep(500);
  }
  const started = await waitForStart(id, { deadline, signal, gaveUp: () => upEnded });
  if (started === 'aborted') return INTERRUPTED;
  if (started === 'never') {
    log('the runner container was created but never started');
    return RUNNER_NEVER_STARTED;
  }
  const waited = await execa('docker', ['wait', id], {
    reject: false,
    timeout: Math.max(1, deadline - Date.now()),
    ...(signal ? { cancelSignal: signal } : {}),
  });
  if (signal?.aborted) return INTERRUPTED;
  if (waited.timedOut) {
    log(`the scenario did not finish within ${Math.round(timeoutMs / 1000)} s: stopping the lab`);
    return 1;
  }
  const exit = runnerExit(waited);
  if (typeof exit === 'string') {
    log(exit);
    return 1;
  }
  return exit;
}

/**
 * Waits until container `id` has left the `created` state. Compose creates the runner and starts
 * it only once its dependencies are up, and `docker wait` on a container not started yet returns
 * 0 at once: the lab then reported PASS and stopped a runner that had just begun.
 */
export async function waitForStart(
  id: string,
  { deadline, signal, gaveUp }: { deadline: number; signal?: AbortSignal | undefined; gaveUp: () => boolean },
): Promise<'started' | 'never' | 'aborted'> {
  for (;;) {
    if (signal?.aborted) return 'aborted';
    const inspected = await execa('docker', ['inspect', '-f', '{{.State.Status}}', id], { reject: false });
    const status = String(inspected.stdout).trim();
    // Gone (`docker inspect` failed) counts as started: `docker wait` then says what became of it.
    if (inspected.exitCode !== 0 || status !== 'created') return 'started';
    if (gaveUp() || Date.now() > deadline) return 'never';
    await sleep(250);
  }
}

/**
 * The runner's exit code from what `docker wait` printed, or why there is none. A failed
 * `docker wait` prints nothing on stdout, and `Number('')` is 0: read as is, that was a PASS
 * for a scenario that never ran to its end.
 */
export function runnerExit(waited: { exitCode?: number | undefined; stdout: unknown; stderr: unknown }): number | string {
  const printed = String(waited.stdout).trim();
  if (waited.exitCode !== 0 || !/^\d+$/.test(printed)) {
    const said = String(waited.stderr).trim() || `printed ${JSON.stringify(printed)}`;
    return `docker wait on the runner failed (exit ${waited.exitCode ?? '?'}): ${said}`;
  }
  return Number(printed);
}

/** The newest `captures/<scenario>-*.pcap` written since the run started. */
async function newestCapture(projectDir: string, scenario: string, since: number): Promise<string | undefined> {
  const folder = join(projectDir, 'captures');
  let newest: { name: string; mtime: number } | undefined;
  for (const name of await readdir(folder)) {
    if (!name.startsWith(`${scenario}-`) || !name.endsWith('.pcap')) continue;
    const { mtimeMs } = await stat(join(folder, name));
    if (mtimeMs >= since && (!newest || mtimeMs > newest.mtime)) newest = { name, mtime: mtimeMs };
  }
  return newest ? join('captures', newest.name) : undefined;
}

/**
 * Removes a lab network left by a plain `docker compose up` under another project name (the
 * folder's), which would block ours (same bridge name and subnet). Refuses, with what to do,
 * while containers still use it.
 */
export async function clearStaleLabNetwork(log: (line: string) => void): Promise<boolean> {
  const ids = String((await execa('docker', ['network', 'ls', '-q'], { reject: false })).stdout).split('\n').filter(Boolean);
  for (const id of ids) {
    const inspect = await execa('docker', ['network', 'inspect', '-f', '{{index .Options "com.docker.network.bridge.name"}} {{len .Containers}} {{.Name}}', id], { reject: false });
    const [bridge, containers, name] = String(inspect.stdout).trim().split(' ');
    if (bridge !== LAB_BRIDGE) continue;
    if (containers !== '0') {
      log(`another lab is running on network ${name}: stop it first (docker compose down, in its folder)`);
      return false;
    }
    log(`removing the stale lab network ${name}`);
    await execa('docker', ['network', 'rm', id], { reject: false });
  }
  return true;
}
