#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  ALL_CHECKS,
  DEFAULT_LIMITS,
  DEFAULT_TIMEOUTS,
  GROUPS,
  HARD_BOUNDS,
  TargetUnreachable,
  formatResult,
  formatSummary,
  fullLimits,
  isGroupName,
  parseTarget,
  runConformance,
  selectChecks,
  tableHeader,
  toJson,
  type GroupName,
  type Limits,
  type Selection,
  type Target,
} from '../conformance/index.js';
import { OptionError, parseIntegerAtLeast, parsePositiveInteger, parsePositiveNumber, withUsage, type CommandInfo } from './options.js';

const command: CommandInfo = { name: 'chatmsg-conformance', usage: '<host>:<port> [options]' };

/** Exit codes: 0 every selected check passed, 1 some failed, 2 bad command line, 3 target unreachable. */
const EXIT = { passed: 0, failed: 1, unreachable: 3 } as const;

const HELP = `Usage: chatmsg-conformance <host>:<port> [options]

Checks a CHAT-MSG/1 server against docs/PROTOCOL.md, black-box, over its own TCP
connections to <host>:<port> only. Run it against a server nobody else is using:
the checks count who is online.

Groups: ${GROUPS.join(', ')}

Options:
  --only G[,G]         run only these groups
  --skip G[,G]         leave these groups out
  --json FILE          also write the results as JSON (a grade sheet)
  --timeout MS         how long to wait for each expected reply (default ${DEFAULT_TIMEOUTS.replyMs})
  --max-line BYTES     the target's --max-line (default ${DEFAULT_LIMITS.maxLine})
  --max-queue BYTES    the target's --max-queue (default ${DEFAULT_LIMITS.maxQueue})
  --login-timeout S    the target's login timeout: enables the ERR 408 check
  --rate-limit N       the target's requests/s per client: enables the ERR 429 check
  --max-clients N      the target's max clients: enables the ERR 503 check
  --connections N      connections the robustness group opens at once (default ${DEFAULT_LIMITS.connections}, at most ${HARD_BOUNDS.connections})
  -h, --help           show this help

Exit code: 0 all selected checks passed, 1 some failed, 2 bad options, 3 target unreachable.
`;

interface CommandLine {
  target: Target;
  selection: Selection;
  json?: string;
  replyMs: number;
  limits: Partial<Limits>;
}

function targetOption(value: string): Target {
  const target = parseTarget(value);
  if (target === undefined) throw new OptionError(`bad target ${JSON.stringify(value)}: expected <host>:<port>, e.g. 127.0.0.1:5151`);
  return target;
}

function groupList(value: string | undefined, option: string): GroupName[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((name) => name.trim());
  const bad = names.find((name) => !isGroupName(name));
  if (bad !== undefined) throw new OptionError(`bad ${option} group ${JSON.stringify(bad)}: expected one of ${GROUPS.join(', ')}`);
  return names as GroupName[];
}

function atMost(value: number, max: number, what: string): number {
  if (value > max) throw new OptionError(`bad ${what} ${value}: at most ${max}`);
  return value;
}

function parseCommandLine(args: string[]): CommandLine | 'help' {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      only: { type: 'string' },
      skip: { type: 'string' },
      json: { type: 'string' },
      timeout: { type: 'string' },
      'max-line': { type: 'string' },
      'max-queue': { type: 'string' },
      'login-timeout': { type: 'string' },
      'rate-limit': { type: 'string' },
      'max-clients': { type: 'string' },
      connections: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length === 0) throw new OptionError('missing target <host>:<port>');
  if (positionals.length > 1) throw new OptionError(`unexpected argument ${JSON.stringify(positionals[1])}`);
  const limits: Partial<Limits> = {};
  const v = values;
  if (v['max-line'] !== undefined) limits.maxLine = atMost(parseIntegerAtLeast(v['max-line'], 'max-line', 16), HARD_BOUNDS.maxLine, 'max-line');
  if (v['max-queue'] !== undefined) limits.maxQueue = atMost(parsePositiveInteger(v['max-queue'], 'max-queue'), HARD_BOUNDS.maxQueue, 'max-queue');
  if (v['login-timeout'] !== undefined) {
    limits.loginTimeoutSeconds = atMost(parsePositiveNumber(v['login-timeout'], 'login-timeout'), HARD_BOUNDS.loginTimeoutSeconds, 'login-timeout');
  }
  if (v['rate-limit'] !== undefined) limits.rateLimit = atMost(parsePositiveInteger(v['rate-limit'], 'rate-limit'), HARD_BOUNDS.rateLimit, 'rate-limit');
  if (v['max-clients'] !== undefined) {
    limits.maxClients = atMost(parsePositiveInteger(v['max-clients'], 'max-clients'), HARD_BOUNDS.connections, 'max-clients');
  }
  if (v.connections !== undefined) limits.connections = atMost(parseIntegerAtLeast(v.connections, 'connections', 2), HARD_BOUNDS.connections, 'connections');
  const selection: Selection = {};
  const only = groupList(v.only, '--only');
  const skip = groupList(v.skip, '--skip');
  if (only) selection.only = only;
  if (skip) selection.skip = skip;
  const line: CommandLine = {
    target: targetOption(positionals[0]!),
    selection,
    replyMs: v.timeout === undefined ? DEFAULT_TIMEOUTS.replyMs : parsePositiveInteger(v.timeout, 'timeout'),
    limits,
  };
  if (v.json !== undefined) line.json = v.json;
  return line;
}

/** Says up front what will run and what load the robustness group puts on the target. */
function printPlan(options: CommandLine): void {
  const { host, port } = options.target;
  const checks = selectChecks(options.selection);
  out(`CHAT-MSG/1 conformance of ${host}:${port}: ${checks.length} of ${ALL_CHECKS.length} checks`);
  const limits = fullLimits(options.limits);
  const plans = checks.flatMap((check) => (check.plan && check.skip?.(limits) === undefined ? [check.plan(limits)] : []));
  if (plans.length > 0) {
    out(`Load it will put on ${host}:${port} (each bounded, one after another):`);
    for (const plan of plans) out(`  - ${plan}`);
  }
  out('');
  out(tableHeader());
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const options = withUsage(command, () => parseCommandLine(process.argv.slice(2)));
  if (options === 'help') {
    process.stdout.write(HELP);
    return;
  }
  try {
    const report = await runConformance({
      target: options.target,
      limits: options.limits,
      timeouts: { replyMs: options.replyMs },
      selection: options.selection,
      onStart: () => printPlan(options),
      onResult: (result) => out(formatResult(result)),
    });
    out('');
    out(formatSummary(report.summary));
    if (options.json !== undefined) await writeFile(options.json, toJson(report));
    process.exitCode = report.summary.failed === 0 ? EXIT.passed : EXIT.failed;
  } catch (error) {
    if (!(error instanceof TargetUnreachable)) throw error;
    process.stderr.write(`${command.name}: ${error.message}\n`);
    process.exitCode = EXIT.unreachable;
  }
}

await main();
