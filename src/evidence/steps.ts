import { execa } from 'execa';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import type { EvidenceSection, EvidenceStep } from './evidence-index.js';
import { findProgram } from '../platform/find-program.js';

/** What a step needs from the run: where to write, the project, what the user asked for. */
export interface EvidenceContext {
  /** The evidence folder (absolute). */
  folder: string;
  /** The project's root: dist/cli/*.js, scenarios/, scripts/. */
  root: string;
  remote?: { host: string; port: number };
  wan: boolean;
  /** Aborted on Ctrl-C: the running command is stopped. */
  signal: AbortSignal;
  /** Progress lines for the user. */
  log: (line: string) => void;
}

/** What a step made: the fields of its index entry besides id, section, title and command. */
export type StepOutcome = Pick<EvidenceStep, 'status' | 'reason' | 'runDir' | 'capture' | 'port' | 'keylog' | 'scenario' | 'network'>;

export interface EvidenceStepDefinition {
  id: string;
  section: EvidenceSection;
  title: string;
  /** The one command that makes this piece by hand. */
  command: (context: EvidenceContext) => string;
  /** Why it cannot run here (undefined: it can). */
  unavailable: (context: EvidenceContext) => Promise<string | undefined>;
  run: (context: EvidenceContext) => Promise<StepOutcome>;
}

const cli = (context: EvidenceContext, name: string) => join(context.root, 'dist', 'cli', `${name}.js`);

/** Runs one of our CLIs, its output shown indented as it comes; resolves to its exit code and output. */
async function runCli(context: EvidenceContext, name: string, args: string[], cwd = context.root): Promise<{ exitCode: number; output: string }> {
  const child = execa(process.execPath, [cli(context, name), ...args], {
    cwd, reject: false, all: true, cancelSignal: context.signal, stdin: 'ignore', buffer: { all: true },
  });
  child.all?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') context.log(`    ${line}`);
  });
  const result = await child;
  if (result.isCanceled) throw new Error('interrupted');
  return { exitCode: result.exitCode ?? 1, output: String(result.all ?? '') };
}

/** The single run folder a scenario run made below `parent`. */
async function runFolder(parent: string): Promise<string | undefined> {
  const entries = (await readdir(parent, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory());
  return entries.length === 0 ? undefined : join(parent, entries.sort((a, b) => a.name.localeCompare(b.name)).at(-1)!.name);
}

/**
 * A scenario run with `--capture`. When the capture cannot start (no tcpdump, no permission) the
 * scenario still runs without it, and the step says what the capture needs.
 */
async function scenarioRun(context: EvidenceContext, section: string, name: string, scenario: string, extra: string[], cwd = context.root): Promise<StepOutcome> {
  const parent = join(context.folder, section, name);
  await mkdir(parent, { recursive: true });
  // The run's own files name the server's and clients' files as given: relative to cwd, no machine paths.
  const out = relative(cwd, parent);
  const run = (args: string[]) => runCli(context, 'scenario', [scenario, '--out', out, ...args, ...extra], cwd);
  let attempt = await run(['--capture']);
  let reason: string | undefined;
  if (attempt.exitCode !== 0 && /--capture:/.test(attempt.output)) {
    reason = `no capture: ${/--capture: (.*)/.exec(attempt.output)?.[1] ?? 'tcpdump could not start'} (run as root, or grant tcpdump CAP_NET_RAW)`;
    context.log(`    ${reason}; running it without the capture`);
    attempt = await run([]);
  }
  const dir = await runFolder(parent);
  if (dir === undefined) return { status: 'failed', reason: `the scenario made no evidence folder (exit code ${attempt.exitCode})` };
  const runDir = relative(context.folder, dir);
  const pcap = join(dir, 'traffic.pcap');
  const hasCapture = (await readdir(dir)).includes('traffic.pcap');
  const server = await readFile(join(dir, 'result.json'), 'utf8').then((t) => (JSON.parse(t) as { server?: string }).server).catch(() => undefined);
  const port = Number(/:(\d+)$/.exec(server ?? '')?.[1] ?? 5151);
  return {
    status: attempt.exitCode === 0 ? 'passed' : 'failed',
    ...(attempt.exitCode === 0 ? (reason ? { reason } : {}) : { reason: `the scenario failed (exit code ${attempt.exitCode}); see ${runDir}/summary.md` }),
    runDir,
    ...(hasCapture ? { capture: relative(context.folder, pcap), port } : {}),
    scenario: basename(scenario, '.scenario'),
  };
}

async function dockerReady(): Promise<string | undefined> {
  if (findProgram(['docker']) === undefined) return 'no Docker here (install Docker with Compose; npm run doctor says what is missing)';
  const info = await execa('docker', ['info'], { reject: false, timeout: 20_000 });
  return info.exitCode === 0 ? undefined : 'the Docker engine does not answer (start Docker; npm run doctor says more)';
}

/** The Docker lab, its pcap and the runner's evidence copied into the folder. */
async function labRun(context: EvidenceContext, section: string, name: string, extra: string[]): Promise<StepOutcome> {
  const { exitCode, output } = await runCli(context, 'compose', ['broadcast5', ...extra]);
  const saved = /capture saved: (\S+)/.exec(output)?.[1];
  if (saved === undefined) return { status: 'failed', reason: `the lab saved no capture (exit code ${exitCode})` };
  const dir = join(context.folder, section, name);
  await mkdir(dir, { recursive: true });
  const pcap = join(dir, basename(saved));
  await copyFile(join(context.root, saved), pcap);
  return {
    status: exitCode === 0 ? 'passed' : 'failed',
    ...(exitCode === 0 ? {} : { reason: `the lab's scenario failed (exit code ${exitCode})` }),
    capture: relative(context.folder, pcap),
    port: context.remote?.port ?? 5151,
    scenario: 'broadcast5',
  };
}

/** Adds options to a scenario's `server:` or `client:` header, or adds the header after `clients:`. */
export function withHeaderOptions(source: string, key: 'server' | 'client', options: string): string {
  const existing = new RegExp(`^${key}:(.*)$`, 'm');
  if (existing.test(source)) return source.replace(existing, (_, given: string) => `${key}: ${`${given.trim()} ${options}`.trim()}`);
  return source.replace(/^(clients:.*)$/m, `$1\n${key}: ${options}`);
}

/**
 * The secure scenario over TLS: a lab CA made here, the server with TLS and a key log, every client
 * with --tls --ca, so the capture shows only TLS and the key log opens it.
 */
async function secureTlsRun(context: EvidenceContext): Promise<StepOutcome> {
  const dir = join(context.folder, '2.7');
  const pki = join(dir, 'pki');
  await mkdir(dir, { recursive: true });
  const ca = await execa('bash', [join(context.root, 'scripts', 'make-lab-ca.sh'), pki], { reject: false, all: true });
  if (ca.exitCode !== 0) return { status: 'failed', reason: `make-lab-ca.sh failed: ${String(ca.all).trim()}` };
  const keylog = join(dir, 'tls-keys.log');
  const source = await readFile(join(context.root, 'scenarios', 'secure.scenario'), 'utf8');
  // The same steps; the server and clients speak TLS, so the login is bound to the TLS channel.
  // Paths are relative to the section's folder, where the run starts (and so in its evidence).
  const tlsScenario = withHeaderOptions(withHeaderOptions(source, 'server', '--tls --cert pki/server.crt --key pki/server.key --keylog tls-keys.log'), 'client', '--tls --ca pki/ca.crt')
    .replace(/^name: .*$/m, 'name: secure-tls')
    .replaceAll(' none\n', ' tls-exporter\n');
  const file = join(dir, 'secure-tls.scenario');
  await writeFile(file, tlsScenario);
  const outcome = await scenarioRun(context, '2.7', 'secure-tls', 'secure-tls.scenario', [], dir);
  return { ...outcome, keylog: relative(context.folder, keylog), scenario: relative(context.folder, file) };
}

const remoteText = (context: EvidenceContext) => (context.remote ? `${context.remote.host}:${context.remote.port}` : '<vm-address>:5151');
const noRemote = async (context: EvidenceContext) => (context.remote ? undefined : 'no remote server given (--remote host[:port], e.g. the Azure VM)');

/** Every piece of evidence the report's sections need that can be made from this machine, in order. */
export const EVIDENCE_STEPS: EvidenceStepDefinition[] = [
  ...(['basic', 'errors', 'presence'] as const).map((name): EvidenceStepDefinition => ({
    id: `local-${name}`,
    section: '2.2',
    title: `${name} scenario on 127.0.0.1`,
    command: () => `npm run scenario ${name} -- --capture`,
    unavailable: async () => undefined,
    run: async (context) => ({ ...(await scenarioRun(context, '2.2', name, name, [])), network: 'loopback' }),
  })),
  {
    id: 'secure-tls',
    section: '2.7',
    title: 'secure scenario over TLS, with the TLS key log',
    command: () => 'npm run evidence (step secure-tls)',
    unavailable: async () => (findProgram(['openssl']) !== undefined ? undefined : 'openssl is not installed (it makes the lab CA)'),
    run: async (context) => ({ ...(await secureTlsRun(context)), network: 'loopback' }),
  },
  {
    id: 'lab-broadcast5',
    section: '2.5',
    title: 'Docker lab: five clients on five addresses, broadcast5',
    command: () => 'npm run compose -- broadcast5',
    unavailable: dockerReady,
    run: async (context) => ({ ...(await labRun(context, '2.5', 'lab-broadcast5', [])), network: 'lab' }),
  },
  {
    id: 'lab-broadcast5-wan',
    section: '2.5',
    title: 'Docker lab through WAN emulation (netem), broadcast5',
    command: () => 'npm run compose -- broadcast5 --wan',
    unavailable: async (context) => (context.wan ? dockerReady() : 'not asked for (--wan)'),
    run: async (context) => ({ ...(await labRun(context, '2.5', 'lab-broadcast5-wan', ['--wan'])), network: 'wan' }),
  },
  {
    id: 'remote-basic',
    section: '2.3',
    title: 'basic scenario against the remote server, captured here',
    command: (context) => `npm run evidence -- --remote ${remoteText(context)}`,
    unavailable: noRemote,
    run: async (context) => ({ ...(await scenarioRun(context, '2.3', 'remote-basic', 'basic', ['--server', remoteText(context)])), network: 'remote' }),
  },
  {
    id: 'remote-broadcast5',
    section: '2.5',
    title: 'Docker lab: five clients against the remote server, captured here',
    command: (context) => `npm run compose -- broadcast5 --remote ${remoteText(context)}`,
    unavailable: async (context) => (await noRemote(context)) ?? dockerReady(),
    run: async (context) => ({ ...(await labRun(context, '2.5', 'remote-broadcast5', ['--remote', remoteText(context)])), network: 'remote' }),
  },
];
