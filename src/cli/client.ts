#!/usr/bin/env node
/** chatmsg-client <server-ip> <port> [--id <client-id>] [--keepalive <seconds>] */
import { parseArgs } from 'node:util';
import { DEFAULT_PORT, isValidClientId } from '../protocol/index.js';
import type { ClientTls } from '../client/connection.js';
import { CLIENT_EXIT } from '../client/exit-codes.js';
import { runTerminalClient } from '../client/terminal.js';
import { loadClientTls } from '../client/tls-files.js';
import { OptionError, parseNonNegativeNumber, parsePort, withUsage, type CommandInfo } from './options.js';

const COMMAND: CommandInfo = {
  name: 'chatmsg-client',
  usage: '<server-ip> <port> [--id <client-id>] [--keepalive <seconds>] [--key <file>] [--tls [--ca <file>] [--require-tls]]',
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

Secure extension (docs/PROTOCOL.md section 9):
  --key <file>           your Ed25519 identity key, created (mode 0600) on first use;
                         with --id, logs in by AUTH (challenge-response) instead of LOGIN
  --pins <file>          pinned keys of your peers (default <key-file>.pins.json)
  --realms <file>        the realm each server (host:port) announced at first login, refused
                         when it changes or shows up elsewhere (default <key-file>.realms.json)
  --realms-in-memory     pin realms for this run only (scripted labs whose server port changes)
  --tls                  connect with TLS 1.3 and verify the server certificate
  --require-tls          never prove a login outside TLS (needs --tls)
  --ca <file>            trust this CA certificate (PEM), e.g. from scripts/make-lab-ca.sh
  --keylog <file>        append the TLS key log (NSS format) for Wireshark; secret, lab use only
  Slash commands: /register <id>, /auth <id>, /e <id> <text>, /eall <text>, /safety <id>, /forget <id>,
  /forget-realm <realm>, /whoami, /help.

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
      key: { type: 'string' },
      pins: { type: 'string' },
      realms: { type: 'string' },
      'realms-in-memory': { type: 'boolean' },
      tls: { type: 'boolean' },
      'require-tls': { type: 'boolean' },
      ca: { type: 'string' },
      keylog: { type: 'string' },
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
  if (values['require-tls'] && !values.tls) throw new OptionError('--require-tls needs --tls (refusing to connect without TLS)');
  if (values['realms-in-memory'] && values.realms !== undefined) throw new OptionError('--realms and --realms-in-memory exclude each other');
  if (values.id !== undefined && !isValidClientId(values.id)) {
    throw new OptionError(`bad --id ${JSON.stringify(values.id)}: 1-32 of A-Z a-z 0-9 _ - . and not ALL`);
  }
  return {
    host,
    port: parsePort(port),
    keepaliveSeconds: values.keepalive === undefined ? DEFAULT_KEEPALIVE_SECONDS : parseNonNegativeNumber(values.keepalive, '--keepalive'),
    ...(values.id === undefined ? {} : { id: values.id }),
    secure: {
      keyFile: fileOption(values.key, '--key'),
      pinsFile: fileOption(values.pins, '--pins'),
      realmsFile: fileOption(values.realms, '--realms'),
      realmsInMemory: values['realms-in-memory'] ?? false,
      requireTls: values['require-tls'] ?? false,
      // Debugging aid for the lab report and the tests, deliberately not a visible option.
      sessionKeyLogFile: process.env['CHATMSG_E2E_KEYLOG'] || undefined,
    },
    tlsFiles: tlsOptions(values),
  };
});

function fileOption(value: string | undefined, name: string): string | undefined {
  if (value === '') throw new OptionError(`bad ${name} "": expected a file`);
  return value;
}

function tlsOptions(values: { tls?: boolean; ca?: string; keylog?: string }): { ca?: string; keylog?: string } | undefined {
  if (!values.tls && (values.ca !== undefined || values.keylog !== undefined)) throw new OptionError('--ca and --keylog need --tls');
  if (!values.tls) return undefined;
  return { ca: fileOption(values.ca, '--ca'), keylog: fileOption(values.keylog, '--keylog') };
}

let tls: ClientTls | undefined;
try {
  tls = options.tlsFiles === undefined ? undefined : await loadClientTls(options.tlsFiles);
} catch (error) {
  process.stderr.write(`${COMMAND.name}: ${(error as Error).message}\n`);
  process.exit(CLIENT_EXIT.cannotConnect);
}

process.exitCode = await runTerminalClient({ ...options, tls }, {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  name: COMMAND.name,
});
