#!/usr/bin/env node
/** npm run scenario -- <name|file.scenario> [--server host:port] [--capture] [--out dir] | --list */
import { parseArgs } from 'node:util';
import { listScenarios, ScenarioNotFoundError } from '../scenario/catalog.js';
import type { ServerAddress } from '../scenario/client-driver.js';
import { runWithEvidence, ScenarioRunError } from '../scenario/evidence-run.js';
import { LocalSetupError, runLocalScenario } from '../scenario/local-run.js';
import { ScenarioSyntaxError } from '../scenario/parser.js';
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

try {
  const outcome = await runWithEvidence({
    scenario: options.name,
    outDir: options.out,
    say: log,
    execute: (scenario, hooks) => {
      const width = Math.max(...scenario.clients.map((client) => client.length));
      return runLocalScenario(scenario, {
        ...hooks,
        server: options.server,
        capture: options.capture,
        say: log,
        onClientLine: options.verbose ? (client, line) => log(`       ${client.padEnd(width)} | ${line}`) : undefined,
      });
    },
  });
  process.exitCode = outcome.passed ? 0 : 1;
} catch (error) {
  if (error instanceof ScenarioNotFoundError || error instanceof ScenarioSyntaxError) usageError(COMMAND, error.message);
  if (!(error instanceof ScenarioRunError)) throw error;
  if (!(error.cause instanceof LocalSetupError)) throw error.cause;
  process.stderr.write(`${COMMAND.name}: ${error.message}\n`);
  process.exitCode = 1;
}
