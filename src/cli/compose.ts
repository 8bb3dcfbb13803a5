#!/usr/bin/env node
/** `npm run compose -- <scenario> [--wan] [--remote host:port]`: a scenario in the Docker lab. */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_PORT } from '../protocol/index.js';
import { describeCompose, findCompose, NO_COMPOSE } from '../lab/compose-command.js';
import { runLab } from '../lab/compose-run.js';
import { OptionError, parsePort, parsePositiveInteger, withUsage } from './options.js';

const command = {
  name: 'chatmsg-compose',
  usage: '[<scenario>] [--wan] [--remote host[:port]] [--timeout S] [--keep]',
};

const HELP = `usage: npm run compose -- ${command.usage}
Runs a scenario (default broadcast5) in the Docker lab: a server, five client containers on
172.28.0.11-15 and a tcpdump sidecar; prints the PASS/FAIL summary, saves captures/<scenario>-<time>.pcap,
removes the containers and the network, and exits with the scenario's exit code.
  --wan                 add netem delay/jitter/loss between clients and server (40 ms +- 10 ms, 1 % loss)
  --remote host[:port]  run the clients and the capture against a server elsewhere (no local server)
  --timeout S           stop the lab after S seconds (default 300)
  --keep                leave the stopped containers and the network for inspection
`;

function parseRemote(value: string): { host: string; port: number } {
  const match = /^([^:\s]+)(?::(\d+))?$/.exec(value);
  if (!match) throw new OptionError(`bad --remote ${JSON.stringify(value)}: expected host or host:port`);
  return { host: match[1]!, port: match[2] === undefined ? DEFAULT_PORT : parsePort(match[2], '--remote port') };
}

const options = withUsage(command, () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      wan: { type: 'boolean', default: false },
      remote: { type: 'string' },
      timeout: { type: 'string', default: '300' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (positionals.length > 1) throw new OptionError(`one scenario at a time, got ${positionals.join(' ')}`);
  const scenario = positionals[0] ?? 'broadcast5';
  if (!/^[\w-]+$/.test(scenario)) throw new OptionError(`bad scenario name ${JSON.stringify(scenario)}`);
  return {
    scenario,
    wan: values.wan,
    keep: values.keep,
    help: values.help,
    timeoutMs: parsePositiveInteger(values.timeout, '--timeout') * 1000,
    ...(values.remote === undefined ? {} : { remote: parseRemote(values.remote) }),
  };
});

if (options.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const log = (line: string) => process.stderr.write(`compose: ${line}\n`);
const compose = await findCompose();
if (!compose) {
  log(`${NO_COMPOSE}: install one (npm run doctor tells how)`);
  process.exit(1);
}
log(`using ${describeCompose(compose)}`);
const projectDir = fileURLToPath(new URL('../..', import.meta.url));
// Ctrl-C: Compose stops the containers itself (same terminal); runLab then removes them and the network.
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) return; // already stopping: removing the lab takes a few seconds
  log('interrupted: stopping and removing the lab');
  interrupt.abort();
});
const result = await runLab({ compose, projectDir, log, signal: interrupt.signal, ...options });
log(result.pcap ? `capture saved: ${result.pcap}` : 'no capture was saved');
log(`scenario ${options.scenario}: ${result.exitCode === 0 ? 'PASS' : `FAIL (exit ${result.exitCode})`}`);
process.exit(result.exitCode);
