import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureError, findProgram, startCapture } from '../scenario/capture.js';
import { BASE_IMAGES, imageExists } from './base-images.js';
import { describeCompose, engineVersion, findCompose, NO_COMPOSE, type ComposeCommand } from './compose-command.js';
import { dockerNetworks, hostAddresses, LAB_SUBNET, labNetworkClashes } from './lab-network.js';

export const CHECK_STATUS = { ok: 'ok', warn: 'warn', fail: 'FAIL' } as const;
export type CheckStatus = (typeof CHECK_STATUS)[keyof typeof CHECK_STATUS];

/** One line of `npm run doctor`: what was checked, what was found, and the fix when it is not ok. */
export interface CheckResult {
  status: CheckStatus;
  name: string;
  detail: string;
}

const ok = (name: string, detail: string): CheckResult => ({ status: CHECK_STATUS.ok, name, detail });
const warn = (name: string, detail: string): CheckResult => ({ status: CHECK_STATUS.warn, name, detail });
const fail = (name: string, detail: string): CheckResult => ({ status: CHECK_STATUS.fail, name, detail });

/** The oldest Node.js the project runs on (package.json engines). */
export const MIN_NODE = [20, 5] as const;

export function checkNode(version = process.versions.node): CheckResult {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const good = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return good
    ? ok('node', `Node.js ${version}`)
    : fail('node', `Node.js ${version} is too old: install Node.js ${MIN_NODE.join('.')} or newer`);
}

async function firstLine(file: string, args: string[]): Promise<string | undefined> {
  const result = await execa(file, args, { reject: false, timeout: 20_000 });
  // Some tools put warnings on stderr (tshark as root): the version is on stdout.
  return result.exitCode === 0 ? String(result.stdout || result.stderr).trim().split('\n')[0] : undefined;
}

export async function checkDocker(): Promise<CheckResult[]> {
  const client = await firstLine('docker', ['--version']);
  if (!client) return [fail('docker', 'no docker client: apt-get install docker.io (or install Docker Desktop)')];
  const engine = await engineVersion();
  if (!engine) {
    return [
      fail('docker', `${client}, but no engine answers: start it (systemctl start docker, or dockerd &) and check your permission (docker group)`),
    ];
  }
  const results = [ok('docker', `${client}; engine ${engine}`)];
  results.push(checkCompose(await findCompose()));
  results.push(await checkLabNetwork());
  results.push(await checkBaseImages());
  results.push(await checkNetem());
  return results;
}

/** The Compose major version the lab runs end to end in its own tests (docs/LAB.md, "Compose versions"). */
export const COMPOSE_TESTED_END_TO_END = 1;

/** Names the Compose found by its own version string, and how far the lab is tested with it. */
export function checkCompose(compose: ComposeCommand | undefined): CheckResult {
  if (!compose) {
    return fail('compose', `${NO_COMPOSE}: install Docker's compose plugin (Docker Desktop has it) or apt-get install docker-compose`);
  }
  const tested =
    compose.major === COMPOSE_TESTED_END_TO_END
      ? 'the lab is tested end to end with it'
      : 'the lab\'s compose files are checked for it, not run with it in our tests: if the lab misbehaves, report this line (docs/LAB.md)';
  return ok('compose', `${describeCompose(compose)}; ${tested}`);
}

/** Is the lab's fixed subnet free, or does another Docker network or a VPN hold part of it? */
export async function checkLabNetwork(): Promise<CheckResult> {
  const name = 'lab network';
  const clashes = labNetworkClashes(await dockerNetworks(), hostAddresses());
  if (clashes.length === 0) return ok(name, `${LAB_SUBNET} is free for the lab`);
  return fail(name, `${LAB_SUBNET} is taken. ${clashes.join('; ')}`);
}

/** The lab image built by `npm run compose` (docker-compose.yml). */
const LAB_IMAGE = 'chatmsg-lab:latest';

/** Can the wan option work: does the Docker host's kernel have netem? Tried in a throwaway lab container. */
async function checkNetem(): Promise<CheckResult> {
  const name = 'wan (netem)';
  if (!(await imageExists(LAB_IMAGE))) return warn(name, 'not checked yet: run `npm run compose` once to build the lab image');
  const result = await execa(
    'docker',
    ['run', '--rm', '--user', '0:0', '--cap-add', 'NET_ADMIN', '--entrypoint', 'chatmsg-netem', LAB_IMAGE, 'lo', '5151', 'delay', '1ms'],
    { reject: false, all: true, timeout: 60_000 },
  );
  if (result.exitCode === 0) return ok(name, 'the Docker host kernel has netem: --wan works');
  const reason = (String(result.all).trim().split('\n').at(-1) ?? '').replace(/^chatmsg-netem: /, '');
  return warn(name, reason || `the netem check failed (exit ${result.exitCode}): --wan may not work`);
}

async function checkBaseImages(): Promise<CheckResult> {
  const found: string[] = [];
  for (const { hub, local } of Object.values(BASE_IMAGES)) {
    if (await imageExists(hub)) found.push(hub);
    else if (await imageExists(local)) found.push(local);
    else {
      return warn('base images', `${hub} is not here: it is pulled on the first build; without Docker Hub run scripts/build-base-images.sh`);
    }
  }
  return ok('base images', found.join(', '));
}

export async function checkTool(name: string, args: string[], required: boolean, install: string): Promise<CheckResult> {
  const version = await firstLine(name, args);
  if (version) return ok(name, version);
  return (required ? fail : warn)(name, `not found: ${install}`);
}

/** Is the port free on 127.0.0.1 (where `npm run server` and the scenarios listen)? */
export async function checkPort(port: number): Promise<CheckResult> {
  const name = `port ${port}`;
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const server = createServer();
    server.once('error', resolve);
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(undefined)));
  });
  if (!error) return ok(name, 'free');
  if (error.code === 'EADDRINUSE') return warn(name, 'in use: stop what listens there (ss -ltnp) or pass another port');
  return warn(name, `cannot listen: ${error.message}`);
}

/**
 * Can `--capture` capture here? The same choice of program and loopback interface as a scenario
 * run (tcpdump, else dumpcap, else tshark; lo, lo0 or Npcap's loopback adapter), started for an
 * instant on a port nobody uses, then stopped.
 */
export async function checkCapturePermission(): Promise<CheckResult> {
  const name = 'capture permission';
  const dir = await mkdtemp(join(tmpdir(), 'chatmsg-doctor-'));
  try {
    const capture = await startCapture(join(dir, 'check.pcap'), '127.0.0.1', 9);
    await capture.stop();
    return ok(name, `${capture.what} can capture (npm run scenario -- --capture uses it)`);
  } catch (error) {
    if (error instanceof CaptureError) return fail(name, error.message);
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** tcpdump is needed only where neither dumpcap nor tshark (Wireshark's) can capture instead. */
async function checkTcpdump(): Promise<CheckResult> {
  const wireshark = (await findProgram('dumpcap')) ?? (await findProgram('tshark'));
  const install = process.platform === 'linux' ? 'apt-get install tcpdump' : 'not needed: Wireshark\'s dumpcap captures instead';
  return checkTool('tcpdump', ['--version'], wireshark === undefined, install);
}

/** Every check, in the order they are printed. */
export async function runChecks(port: number): Promise<CheckResult[]> {
  return [
    checkNode(),
    ...(await checkDocker()),
    await checkTcpdump(),
    await checkTool('tshark', ['--version'], false, 'apt-get install tshark (capture checks and analysis)'),
    await checkPort(port),
    await checkCapturePermission(),
  ];
}
