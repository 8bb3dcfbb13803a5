#!/usr/bin/env node
/** chatmsg-client <server-ip> <port> [--id <client-id>] [--keepalive <seconds>] */
import { parseArgs } from 'node:util';
import { DEFAULT_PORT, isValidClientId } from '../protocol/index.js';
import { runTerminalClient } from '../client/terminal.js';
import { OptionError, parseNonNegativeNumber, parsePort, withUsage, type CommandInfo } from './options.js';

const COMMAND: CommandInfo = {
  name: 'chatmsg-client',
  usage: '<server-ip> <port> [--id <client-id>] [--keepalive <seconds>]',
};

const DEFAULT_KEEPALIVE_SECONDS = 30;

const HELP = `usage: ${COMMAND.name} ${COMMAND.usage}

Connects to a CHAT-MSG/1 server (default port ${DEFAULT_PORT}). Type protocol lines
(LOGIN alice, MSG bob hi, MSG ALL hi, LIST, PING, HELP, LOGOFF alice); verbs in any case.
Every line is shown with a local timestamp: > sent, < received, * local notice.
Piped stdin works too: the client exits after LOGOFF or at the end of the input.

  --id <client-id>       log in with this id right after connecting
  --keepalive <seconds>  send PING after this many quiet seconds, and give up when
                         no reply comes within as long again (default ${DEFAULT_KEEPALIVE_SECONDS}; 0 = off)
  -h, --help             this text

Exit codes: 0 ended normally (LOGOFF or end of input), 1 cannot connect, 2 bad command
line, 3 connection lost (closed or reset by the server, or no keepalive reply),
4 the server shut down (BYE).
`;

const options = withUsage(COMMAND, () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      id: { type: 'string' },
      keepalive: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const [host, port, ...extra] = positionals;
  if (host === undefined) throw new OptionError('missing <server-ip>');
  if (extra.length > 0) throw new OptionError(`unexpected argument ${JSON.stringify(extra[0])}`);
  if (values.id !== undefined && !isValidClientId(values.id)) {
    throw new OptionError(`bad --id ${JSON.stringify(values.id)}: 1-32 of A-Z a-z 0-9 _ - . and not ALL`);
  }
  return {
    host,
    port: parsePort(port),
    keepaliveSeconds: values.keepalive === undefined ? DEFAULT_KEEPALIVE_SECONDS : parseNonNegativeNumber(values.keepalive, '--keepalive'),
    ...(values.id === undefined ? {} : { id: values.id }),
  };
});

process.exitCode = await runTerminalClient(options, {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  name: COMMAND.name,
});
