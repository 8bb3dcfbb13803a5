import { isIPv6 } from 'node:net';
import { clearLine, createInterface, cursorTo, moveCursor } from 'node:readline';
import { escapeForTerminal } from '../protocol/index.js';
import { ChatConnection, type ClientTls } from './connection.js';
import { CLIENT_EXIT } from './exit-codes.js';
import { formatForPeople, shouldUseColour } from './format.js';
import { SecureChat, type SecureChatOptions } from './secure-chat.js';
import { formatClock, type TranscriptKind } from './transcript.js';

export interface TerminalOptions {
  host: string;
  port: number;
  /** Log in with this id right after connecting. */
  id?: string;
  keepaliveSeconds: number;
  /** Identity key and pin files of the secure extension (slash commands work without them too). */
  secure?: Omit<SecureChatOptions, 'server'>;
  /** Connect with TLS 1.3. */
  tls?: ClientTls | undefined;
}

/** At the end of piped input, how long encrypted messages still waiting for keys may take. */
const SECURE_DRAIN_MS = 5000;

export interface TerminalIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: Record<string, string | undefined>;
  /** Prefix of the client's own error lines on stderr. */
  name: string;
}

const PROMPT = 'chat> ';

/**
 * The terminal client: reads protocol lines from stdin (typed or piped), sends them as they
 * are, and prints every event with a local timestamp. Resolves to the process exit code
 * (CLIENT_EXIT) once the connection has ended.
 */
export function runTerminalClient(options: TerminalOptions, io: TerminalIo): Promise<number> {
  const interactive = io.stdin.isTTY === true;
  const colour = shouldUseColour(io.stdout.isTTY, io.env);
  const rl = createInterface({
    input: io.stdin,
    output: interactive ? io.stdout : undefined,
    terminal: interactive,
    prompt: PROMPT,
  });

  /** Set once the connection has ended: no prompt is drawn after that. */
  let finished = false;
  const print = (kind: TranscriptKind, text: string) => {
    const line = formatForPeople({ time: formatClock(new Date()), kind, text: escapeForTerminal(text) }, colour);
    if (!interactive) {
      io.stdout.write(`${line}\n`);
      return;
    }
    // Print above the prompt and redraw it with whatever the user was typing.
    cursorTo(io.stdout, 0);
    clearLine(io.stdout, 0);
    io.stdout.write(`${line}\n`);
    if (!finished) rl.prompt(true);
  };

  return new Promise((resolve) => {
    const server = `${isIPv6(options.host) ? `[${options.host}]` : options.host}:${options.port}`;
    const secure: SecureChat = new SecureChat({ ...options.secure, server }, {
      send: (line) => connection.send(line),
      notice: (text) => print('notice', text),
      warn: (text) => {
        print('notice', text);
        io.stderr.write(`${io.name}: ${escapeForTerminal(text)}\n`);
      },
      channelBinding: () => connection.channelBinding(),
    });
    const connection: ChatConnection = new ChatConnection(
      { host: options.host, port: options.port, keepaliveSeconds: options.keepaliveSeconds, tls: options.tls },
      {
        connected: (remote) => print('notice', `connected to ${remote}${options.tls === undefined ? '' : ' (TLS 1.3, certificate verified)'}`),
        sent: (line) => {
          secure.sent(line);
          print('sent', line);
        },
        received: (line) => {
          print('received', line);
          secure.received(line);
        },
        notice: (text) => print('notice', text),
        closed: (reason) => {
          finished = true;
          print('notice', `closed: ${reason.message}`);
          if (reason.exitCode !== CLIENT_EXIT.ok) io.stderr.write(`${io.name}: ${escapeForTerminal(reason.message)}\n`);
          rl.close();
          io.stdin.destroy();
          resolve(reason.exitCode);
        },
      },
    );
    // With a key, --id logs in by challenge-response; without, by plain LOGIN.
    if (options.id !== undefined && options.secure?.keyFile !== undefined) secure.command(`/auth ${options.id}`);
    else if (options.id !== undefined) connection.send(`LOGIN ${options.id}`);

    rl.on('line', (line) => {
      if (interactive) {
        // The typed line is printed again with its timestamp: remove the echoed prompt line.
        moveCursor(io.stdout, 0, -1);
        clearLine(io.stdout, 0);
      }
      if (!secure.command(line)) connection.send(line);
    });
    rl.on('close', () => {
      // Encrypted messages typed last may still wait for the peer's keys: let them go first.
      const started = Date.now();
      const endWhenIdle = () => {
        if (finished) return;
        if (secure.busy() && Date.now() - started < SECURE_DRAIN_MS) setTimeout(endWhenIdle, 20);
        else connection.end();
      };
      endWhenIdle();
    });
    rl.on('SIGINT', () => {
      print('notice', 'interrupted; closing');
      connection.end();
    });
    if (interactive) rl.prompt();
  });
}
