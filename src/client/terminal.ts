import { clearLine, createInterface, cursorTo, moveCursor } from 'node:readline';
import { escapeForTerminal } from '../protocol/index.js';
import { ChatConnection } from './connection.js';
import { CLIENT_EXIT } from './exit-codes.js';
import { formatForPeople, shouldUseColour } from './format.js';
import { formatClock, type TranscriptKind } from './transcript.js';

export interface TerminalOptions {
  host: string;
  port: number;
  /** Log in with this id right after connecting. */
  id?: string;
  keepaliveSeconds: number;
}

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
    rl.prompt(true);
  };

  return new Promise((resolve) => {
    let finished = false;
    const connection = new ChatConnection(
      { host: options.host, port: options.port, keepaliveSeconds: options.keepaliveSeconds },
      {
        connected: (remote) => print('notice', `connected to ${remote}`),
        sent: (line) => print('sent', line),
        received: (line) => print('received', line),
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
    if (options.id !== undefined) connection.send(`LOGIN ${options.id}`);

    rl.on('line', (line) => {
      if (interactive) {
        // The typed line is printed again with its timestamp: remove the echoed prompt line.
        moveCursor(io.stdout, 0, -1);
        clearLine(io.stdout, 0);
      }
      connection.send(line);
    });
    rl.on('close', () => {
      if (!finished) connection.end();
    });
    rl.on('SIGINT', () => {
      print('notice', 'interrupted; closing');
      connection.end();
    });
    if (interactive) rl.prompt();
  });
}
