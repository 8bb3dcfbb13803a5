#!/usr/bin/env node
/**
 * The Docker lab's runner container: runs one scenario with each client in its own container
 * (through the agents) and prints the live log and the PASS/FAIL summary. Configured by the
 * compose file: LAB_SERVER (host:port the clients connect to), LAB_SERVER_AGENT (the server
 * container's agent; empty for a remote server), LAB_CLIENT_AGENTS (comma-separated host:port).
 */
import { parseArgs } from 'node:util';
import { parseAgentAddress } from '../lab/agent-connection.js';
import { releaseAgents, runLabScenario } from '../lab/container-runner.js';
import { ScenarioNotFoundError } from '../scenario/catalog.js';
import { runWithEvidence, ScenarioRunError } from '../scenario/evidence-run.js';
import { ScenarioSyntaxError } from '../scenario/parser.js';
import { OptionError, usageError, withUsage } from './options.js';

const command = { name: 'chatmsg-lab-runner', usage: '<scenario>  (env LAB_SERVER, LAB_SERVER_AGENT, LAB_CLIENT_AGENTS)' };

const options = withUsage(command, () => {
  const { positionals } = parseArgs({ allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new OptionError('expected one scenario name');
  const env = (name: string) => process.env[name]?.trim() ?? '';
  const parse = (name: string, text: string) => {
    try {
      return parseAgentAddress(text);
    } catch (error) {
      throw new OptionError(`${name}: ${(error as Error).message}`);
    }
  };
  if (!env('LAB_SERVER')) throw new OptionError('LAB_SERVER is not set');
  if (!env('LAB_CLIENT_AGENTS')) throw new OptionError('LAB_CLIENT_AGENTS is not set');
  return {
    scenario: positionals[0]!,
    server: parse('LAB_SERVER', env('LAB_SERVER')),
    clientAgents: env('LAB_CLIENT_AGENTS').split(',').map((text) => parse('LAB_CLIENT_AGENTS', text)),
    ...(env('LAB_SERVER_AGENT') ? { serverAgent: parse('LAB_SERVER_AGENT', env('LAB_SERVER_AGENT')) } : {}),
  };
});

const say = (line: string) => process.stdout.write(`${line}\n`);
const agents = [...(options.serverAgent ? [options.serverAgent] : []), ...options.clientAgents];
try {
  const outcome = await runWithEvidence({
    scenario: options.scenario,
    outDir: 'captures',
    say,
    execute: async (scenario, { onInfo, onStep }) => {
      const lab = await runLabScenario({
        scenario,
        server: options.server,
        clientAgents: options.clientAgents,
        ...(options.serverAgent ? { serverAgent: options.serverAgent } : {}),
        onInfo,
        onStep,
      });
      for (const line of lab.assignments) say(`  .. container: ${line}`);
      return { run: lab.run, extras: lab.server ? { serverLog: lab.server.log(), serverCommand: lab.server.command } : {} };
    },
    // Whatever goes wrong before the run, the agents are told to stop, so the lab still ends by itself.
    onAbandon: () => releaseAgents(agents),
  });
  process.exitCode = outcome.passed ? 0 : 1;
} catch (error) {
  if (error instanceof ScenarioNotFoundError || error instanceof ScenarioSyntaxError) usageError(command, error.message);
  if (!(error instanceof ScenarioRunError)) throw error;
  say(`FAIL ${error.scenario}: the lab could not run it: ${error.message}`);
  process.exitCode = 1;
}
