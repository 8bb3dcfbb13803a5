#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { DEFAULT_PORT } from '../protocol/index.js';
import { SERVER_DEFAULTS, type ServerConfig } from '../server/config.js';
import { LogBatcher } from '../server/log-batcher.js';
import { Logger } from '../server/logger.js';
import { prepareSecureServer, SetupError, type SecureSetup } from '../server/secure-setup.js';
import { startChatServer, type ChatServer } from '../server/server.js';
import {
  OptionError,
  orDefault,
  parseIntegerAtLeast,
  parseNonNegativeNumber,
  parsePort,
  parsePositiveInteger,
  parsePositiveNumber,
  withUsage,
  type CommandInfo,
} from './options.js';

const command: CommandInfo = { name: 'chatmsg-server', usage: '<port> [options]' };

/** Bytes a relayed `MSG <from> ...` may add to the request it relays (a 32-byte id and a space, rounded up). */
const RELAY_OVERHEAD = 64;

const HELP = `Usage: chatmsg-server <port> [options]

The CHAT-MSG/1 server (docs/PROTOCOL.md). <port> is the TCP port to listen on
(${DEFAULT_PORT} is the lab's default; 0 = any free port).

Options:
  --host H            address to listen on (default ${SERVER_DEFAULTS.host})
  --max-clients N     connections at once; one more gets ERR 503 (default ${SERVER_DEFAULTS.maxClients})
  --max-line BYTES    longest request line including LF (default ${SERVER_DEFAULTS.maxLine})
  --login-timeout S   seconds to LOGIN before ERR 408 (default ${SERVER_DEFAULTS.loginTimeoutSeconds})
  --max-queue BYTES   unsent output per client before it is dropped (default ${SERVER_DEFAULTS.maxQueue})
  --rate-limit N      requests per second per client, burst 4 s worth; 0 = off (default ${SERVER_DEFAULTS.rateLimit})
  --log-text          also log message text (off: the log shows who talked to whom, not what)

Secure extension (docs/PROTOCOL.md section 9; REGISTER/AUTH/KEYS/EMSG are always on):
  --registry FILE     keep registered identity keys in FILE, written atomically (default: memory only)
  --realm NAME        server name bound into login proofs (default: the host name)
  --max-registered N  ids the registry may hold; REGISTER beyond gets ERR 508 (default ${SERVER_DEFAULTS.maxRegistered})
  --register-limit N  registrations per client address (IPv6: per /64) per hour, across its
                      connections; beyond: ERR 427; 0 = no limit (default ${SERVER_DEFAULTS.registerLimit})
  --require-tls-login refuse REGISTER and AUTH (ERR 426) on connections without TLS; plain LOGIN
                      of unregistered ids is unaffected (use it with --tls)
  --tls               serve TLS 1.3 only; needs --cert and --key (scripts/make-lab-ca.sh makes them)
  --cert FILE         server certificate chain, PEM
  --key FILE          server private key, PEM
  --keylog FILE       append the TLS key log (NSS format) for Wireshark; secret, lab use only
  -h, --help          show this help

Logs go to stderr, one line per event. SIGINT/SIGTERM: BYE to every client, close, exit 0.
`;

function parseCommandLine(args: string[]): ServerConfig | 'help' {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      host: { type: 'string' },
      'max-clients': { type: 'string' },
      'max-line': { type: 'string' },
      'login-timeout': { type: 'string' },
      'max-queue': { type: 'string' },
      'rate-limit': { type: 'string' },
      'log-text': { type: 'boolean' },
      registry: { type: 'string' },
      realm: { type: 'string' },
      'max-registered': { type: 'string' },
      'register-limit': { type: 'string' },
      'require-tls-login': { type: 'boolean' },
      tls: { type: 'boolean' },
      cert: { type: 'string' },
      key: { type: 'string' },
      keylog: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 1) throw new OptionError(`unexpected argument ${JSON.stringify(positionals[1])}`);
  const host = values.host ?? SERVER_DEFAULTS.host;
  if (host === '') throw new OptionError('bad host "": expected an address such as 0.0.0.0 or 127.0.0.1');
  const d = SERVER_DEFAULTS;
  const maxLine = orDefault(values['max-line'], d.maxLine, (v) => parseIntegerAtLeast(v, 'max-line', 2));
  const maxQueue = orDefault(values['max-queue'], d.maxQueue, (v) => parsePositiveInteger(v, 'max-queue'));
  // A relayed MSG is the request plus the sender's id: every recipient must be able to queue one.
  if (maxQueue < maxLine + RELAY_OVERHEAD) {
    throw new OptionError(`bad max-queue ${maxQueue}: must be at least max-line + ${RELAY_OVERHEAD} (${maxLine + RELAY_OVERHEAD})`);
  }
  return {
    host,
    port: parsePort(positionals[0], 'port', { allowZero: true }),
    maxClients: orDefault(values['max-clients'], d.maxClients, (v) => parsePositiveInteger(v, 'max-clients')),
    maxLine,
    loginTimeoutMs: 1000 * orDefault(values['login-timeout'], d.loginTimeoutSeconds, (v) => parsePositiveNumber(v, 'login-timeout')),
    maxQueue,
    rateLimit: orDefault(values['rate-limit'], d.rateLimit, (v) => parseNonNegativeNumber(v, 'rate-limit')),
    logText: values['log-text'] ?? d.logText,
    maxRegistered: orDefault(values['max-registered'], d.maxRegistered, (v) => parsePositiveInteger(v, 'max-registered')),
    registerLimit: orDefault(values['register-limit'], d.registerLimit, (v) => parseIntegerAtLeast(v, 'register-limit', 0)),
    requireTlsLogin: values['require-tls-login'] ?? d.requireTlsLogin,
    ...secureOptions(values),
  };
}

/** --registry, --realm and the TLS options, checked together (they only make sense in pairs). */
function secureOptions(values: { registry?: string; realm?: string; tls?: boolean; cert?: string; key?: string; keylog?: string }): Partial<ServerConfig> {
  for (const name of ['registry', 'realm', 'cert', 'key', 'keylog'] as const) {
    if (values[name] === '') throw new OptionError(`bad --${name} "": expected ${name === 'realm' ? 'a name' : 'a file'}`);
  }
  if (values.realm !== undefined && !/^[\x21-\x7e]{1,64}$/.test(values.realm)) {
    throw new OptionError(`bad --realm ${JSON.stringify(values.realm)}: 1-64 printable ASCII characters without spaces`);
  }
  const tlsFiles = values.cert !== undefined || values.key !== undefined || values.keylog !== undefined;
  if (!values.tls && tlsFiles) throw new OptionError('--cert, --key and --keylog need --tls');
  if (values.tls && (values.cert === undefined || values.key === undefined)) throw new OptionError('--tls needs --cert <file> and --key <file>');
  return {
    registry: values.registry,
    realm: values.realm,
    tls: values.tls ? { certFile: values.cert!, keyFile: values.key! } : undefined,
    keylogFile: values.keylog,
  };
}

async function main(): Promise<void> {
  const config = withUsage(command, () => parseCommandLine(process.argv.slice(2)));
  if (config === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const log = new LogBatcher((text) => process.stderr.write(text));
  // Every way out (exit(0) after shutdown, exit(1) on a setup error) writes the last lines first.
  process.on('exit', () => log.flush());
  const logger = new Logger({ logText: config.logText, write: (line) => log.write(line) });
  let secure: SecureSetup;
  try {
    secure = await prepareSecureServer(config);
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    process.stderr.write(`${command.name}: ${error.message}\n`);
    process.exit(1);
  }
  for (const note of secure.notes) logger.log({ peer: '-', event: 'secure', detail: note });
  let server: ChatServer;
  try {
    server = await startChatServer(config, logger, secure.verbs, secure.tlsMaterial);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    log.flush();
    process.stderr.write(`${command.name}: cannot listen on ${config.host}:${config.port}: ${code ?? message}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log({ peer: '-', event: 'shutdown', detail: signal });
    void server.shutdown().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Only now: whoever waits for this line may signal us at once.
  const { host, port } = server.address;
  log.flush();
  process.stderr.write(`listening on ${host.includes(':') ? `[${host}]` : host}:${port}\n`);
}

await main();
