#!/usr/bin/env node
/**
 * chatmsg-probe: is a CHAT-MSG/1 server answering at <host> <port>? Connects, reads HELLO, sends PING,
 * waits for PONG, prints one verdict line (PASS/FAIL) on stdout, exits 0 on PASS and 1 on FAIL.
 * --wait S retries until the server answers or S seconds have passed (deploy waits for cloud-init).
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { describeFailure, probeServer, type ProbeResult } from '../client/health-probe.js';
import { parseNonNegativeNumber, parsePort, parsePositiveNumber, OptionError, withUsage } from './options.js';

const command = { name: 'chatmsg-probe', usage: '<host> <port> [--timeout S] [--wait S] [--interval S] [--tls [--ca FILE]]' };

/** Pause between two attempts while waiting. */
const DEFAULT_INTERVAL_S = '5';

const options = withUsage(command, () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      timeout: { type: 'string', default: '5' },
      wait: { type: 'string', default: '0' },
      interval: { type: 'string', default: DEFAULT_INTERVAL_S },
      tls: { type: 'boolean', default: false },
      ca: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { help: true } as const;
  const [host, port, extra] = positionals;
  if (host === undefined || host === '') throw new OptionError('missing host');
  if (extra !== undefined) throw new OptionError(`unexpected argument ${JSON.stringify(extra)}`);
  if (values.ca !== undefined && !values.tls) throw new OptionError('--ca needs --tls');
  return {
    help: false,
    tls: values.tls ? { ca: values.ca === undefined ? undefined : readCa(values.ca) } : undefined,
    host,
    port: parsePort(port),
    timeoutMs: parsePositiveNumber(values.timeout, 'timeout') * 1000,
    waitMs: parseNonNegativeNumber(values.wait, 'wait') * 1000,
    intervalMs: parsePositiveNumber(values.interval, 'interval') * 1000,
  } as const;
});

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new OptionError(`cannot read --ca ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

if (options.help) {
  process.stdout.write(
    `usage: ${command.name} ${command.usage}\n` +
      'Checks a CHAT-MSG/1 server: connect (--tls: TLS 1.3, certificate checked, --ca to trust a lab CA),\n' +
        'HELLO, PING/PONG. Exit 0 = PASS, 1 = FAIL.\n',
  );
  process.exit(0);
}

const { host, port, timeoutMs, waitMs, intervalMs, tls } = options;
const target = `${host}:${port}`;
const deadline = Date.now() + waitMs;

let result: ProbeResult = await probeServer({ host, port, timeoutMs, tls });
for (let attempt = 2; !result.ok && Date.now() + intervalMs < deadline; attempt++) {
  process.stderr.write(`${command.name}: ${target} not answering yet (${describeFailure(result)}); attempt ${attempt} in ${intervalMs / 1000} s\n`);
  await sleep(intervalMs);
  result = await probeServer({ host, port, timeoutMs, tls });
}

if (result.ok) {
  process.stdout.write(
    `PASS ${target}: connected in ${result.connectMs} ms, greeting "${result.greeting}", PING -> PONG in ${result.pingMs} ms\n`,
  );
} else {
  process.stdout.write(`FAIL ${target}: ${describeFailure(result)}\n`);
  process.exitCode = 1;
}
