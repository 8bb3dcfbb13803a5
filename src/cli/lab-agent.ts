#!/usr/bin/env node
/** The Docker lab's agent: lets the scenario runner start and drive a client or server in this container. */
import { parseArgs } from 'node:util';
import { AGENT_PORT } from '../lab/agent-protocol.js';
import { LabAgent } from '../lab/agent.js';
import { parseNonNegativeNumber, parsePort, withUsage } from './options.js';

const command = { name: 'chatmsg-lab-agent', usage: '[--host H] [--port N] [--once] [--linger S] [--wait S]' };

const options = withUsage(command, () => {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '0.0.0.0' },
      port: { type: 'string', default: String(AGENT_PORT) },
      once: { type: 'boolean', default: false },
      linger: { type: 'string', default: '0' },
      wait: { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  return {
    ...values,
    port: parsePort(values.port, 'agent port', { allowZero: true }),
    lingerMs: parseNonNegativeNumber(values.linger, '--linger') * 1000,
    waitMs: parseNonNegativeNumber(values.wait, '--wait') * 1000,
  };
});

if (options.help) {
  process.stdout.write(
    `usage: ${command.name} ${command.usage}\n` +
      'Waits for the scenario runner on a TCP control port; --once exits when it leaves,\n' +
      '--linger S waits S seconds more before exiting (for a sidecar in the same network namespace),\n' +
      '--wait S gives up (exit 1) when no controller has come within S seconds (0: wait forever).\n',
  );
  process.exit(0);
}

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
const agent = new LabAgent({ host: options.host, port: options.port, once: options.once, lingerMs: options.lingerMs, log });
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void agent.stop());
await agent.listen();
if (options.waitMs > 0) {
  // A runner that died before connecting must not leave the lab running forever.
  const timer = setTimeout(() => {
    log(`no controller came within ${options.waitMs / 1000} s: giving up`);
    process.exitCode = 1;
    void agent.stop();
  }, options.waitMs);
  void agent.controllerCame.then(() => clearTimeout(timer));
}
await agent.stopped;
log('agent stopped');
