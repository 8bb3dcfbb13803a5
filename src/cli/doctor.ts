#!/usr/bin/env node
/** `npm run doctor`: what the lab needs on this machine, one line each, with the fix; exit 1 if something required is missing. */
import { parseArgs } from 'node:util';
import { DEFAULT_PORT } from '../protocol/index.js';
import { CHECK_STATUS, runChecks } from '../lab/doctor-checks.js';
import { parsePort, withUsage } from './options.js';

const command = { name: 'chatmsg-doctor', usage: '[--port N]' };

const options = withUsage(command, () => {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: String(DEFAULT_PORT) },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  return { help: values.help, port: parsePort(values.port, '--port') };
});

if (options.help) {
  process.stdout.write(`usage: npm run doctor -- ${command.usage}\nChecks Node.js, Docker, Compose, tcpdump, tshark, the chat port and capture permission.\n`);
  process.exit(0);
}

const results = await runChecks(options.port);
const width = Math.max(...results.map((result) => result.name.length));
for (const { status, name, detail } of results) {
  process.stdout.write(`${status.padEnd(4)}  ${name.padEnd(width)}  ${detail}\n`);
}
const failed = results.filter((result) => result.status === CHECK_STATUS.fail).length;
process.stdout.write(failed ? `${failed} required check(s) failed\n` : 'everything the lab needs is here\n');
process.exit(failed ? 1 : 0);
