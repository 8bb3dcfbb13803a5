#!/usr/bin/env node
/** npm run scenario -- <name|file.scenario> [--server host:port] [--capture] [--out dir] | --list */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CaptureError, startCapture, type PacketCapture } from '../scenario/capture.js';
import { listScenarios, loadScenario, ScenarioNotFoundError } from '../scenario/catalog.js';
import type { ServerAddress } from '../scenario/client-driver.js';
import { createEvidenceDir, writeEvidence } from '../scenario/evidence.js';
import { formatStepLine, formatVerdict } from '../scenario/live-log.js';
import { LocalClientLauncher } from '../scenario/local-driver.js';
import { startLocalServer, type LocalServer } from '../scenario/local-server.js';
import { ScenarioSyntaxError } from '../scenario/parser.js';
import { runScenario } from '../scenario/runner.js';
import { OptionError, parsePort, usageError, withUsage, type CommandInfo } from './options.js';

const COMMAND: CommandInfo = {
  name: 'chatmsg-scenario',
  usage: '<name | file.scenario> [--server host:port] [--capture] [--out dir] [--verbose] | --list',
};

const HELP = `usage: npm run scenario -- ${COMMAND.usage}

Runs a scenario (scenarios/<name>.scenario, format in scenarios/README.md): starts a server
on a free port of 127.0.0.1, starts each client as a real chatmsg-client process, checks
every step, and writes the evidence to captures/<name>-<UTC time>/.

  --list               list the scenarios with their descriptions
  --server host:port   use this running server instead of starting one
  --capture            also record traffic.pcap with tcpdump (needs root or CAP_NET_RAW)
  --out <dir>          write the evidence to <dir>/<name>-<UTC time>/ (default captures)
  -v, --verbose        also print every line of every client as it comes
  -h, --help           this text

Exit codes: 0 pass, 1 a step failed (or the capture/server could not start), 2 bad
command line or scenario file.
`;

const log = (text: string) => process.stdout.write(`${text}\n`);

function parseServer(value: string): ServerAddress {
  const colon = value.lastIndexOf(':');
  if (colon <= 0) throw new OptionError(`bad --server ${JSON.stringify(value)}: expected host:port`);
  return { host: value.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: parsePort(value.slice(colon + 1), '--server port') };
}

const options = withUsage(COMMAND, () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      list: { type: 'boolean' },
      server: { type: 'string' },
      capture: { type: 'boolean' },
      out: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  if (values.list) return { list: true as const };
  if (positionals.length !== 1) throw new OptionError(positionals.length === 0 ? 'missing scenario name (see --list)' : 'give one scenario');
  return {
    list: false as const,
    name: positionals[0]!,
    server: values.server === undefined ? undefined : parseServer(values.server),
    capture: values.capture === true,
    out: values.out ?? 'captures',
    verbose: values.verbose === true,
  };
});

if (options.list) {
  const entries = await listScenarios();
  const width = Math.max(...entries.map((entry) => entry.name.length));
  for (const entry of entries) log(`${entry.name.padEnd(width)}  ${entry.error ? `(does not parse: ${entry.error})` : entry.description}`);
  process.exit(0);
}

const scenario = await loadScenario(options.name).catch((error: unknown) => {
  if (error instanceof ScenarioNotFoundError || error instanceof ScenarioSyntaxError) usageError(COMMAND, error.message);
  throw error;
});

const startedAt = new Date();
const evidenceDir = await createEvidenceDir(options.out, scenario.name, startedAt);
log(`scenario ${scenario.name}: ${scenario.description}`);

let server: LocalServer | undefined;
let address: ServerAddress;
if (options.server) {
  address = options.server;
  if (scenario.serverArgs.length > 0) {
    log(`warning: this scenario expects a server started with ${scenario.serverArgs.join(' ')}; steps that rely on it may fail`);
  }
} else {
  try {
    server = await startLocalServer(scenario.serverArgs);
  } catch (error) {
    process.stderr.write(`${COMMAND.name}: could not start the server: ${(error as Error).message}\n`);
    process.exit(1);
  }
  address = server.address;
  log(`server: ${address.host}:${address.port} (${server.command})`);
}

let capture: PacketCapture | undefined;
if (options.capture) {
  try {
    capture = await startCapture(join(evidenceDir, 'traffic.pcap'), address.host, address.port);
    log(`capture: ${capture.what} is recording tcp port ${address.port} into ${capture.file}`);
  } catch (error) {
    await server?.stop();
    if (!(error instanceof CaptureError)) throw error;
    process.stderr.write(`${COMMAND.name}: --capture: ${error.message}\n`);
    process.exit(1);
  }
}

const nameWidth = Math.max(...scenario.clients.map((client) => client.length));
const run = await runScenario(scenario, {
  launcher: new LocalClientLauncher(),
  server: address,
  onStep: (step) => log(formatStepLine(step)),
  onInfo: (text) => log(`  .. ${text}`),
  ...(options.verbose ? { onClientLine: (client: string, line: string) => log(`       ${client.padEnd(nameWidth)} | ${line}`) } : {}),
});

// Let the last FIN/ACKs reach the capture before the capture program stops.
const captureReport = capture ? await new Promise((resolve) => setTimeout(resolve, 200)).then(() => capture!.stop()) : undefined;
await server?.stop();
await writeEvidence(evidenceDir, run.result, run.sessions, {
  ...(server ? { serverLog: server.log(), serverCommand: server.command } : {}),
  ...(capture ? { capture: { file: 'traffic.pcap', report: captureReport ?? '' } } : {}),
});
log(formatVerdict(run.result, evidenceDir));
process.exitCode = run.result.passed ? 0 : 1;
