import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { SERVER_NODE_FLAGS } from '../server/node-flags.js';
import type { ServerAddress } from './client-driver.js';

/** The built server next to this file: dist/scenario/ -> dist/cli/server.js. */
export const SERVER_ENTRY = fileURLToPath(new URL('../cli/server.js', import.meta.url));

const LISTENING = /listening on (\S+):(\d+)/;

export interface LocalServer {
  address: ServerAddress;
  /** The server's command line, for the evidence. */
  command: string;
  /** Everything the server logged (stderr) so far. */
  log(): string;
  /** SIGTERM, then waits; resolves to the exit code (null if killed). */
  stop(): Promise<number | null>;
}

/**
 * Starts a real chatmsg-server on a free port of 127.0.0.1 and waits for its
 * `listening on <host>:<port>` line.
 */
export async function startLocalServer(extraArgs: readonly string[], timeoutMs = 15_000): Promise<LocalServer> {
  const args = [...SERVER_NODE_FLAGS, SERVER_ENTRY, '0', '--host', '127.0.0.1', ...extraArgs];
  const child = execa(process.execPath, args, { buffer: false, reject: false, stdin: 'ignore', stdout: 'ignore' });
  let log = '';
  child.stderr!.setEncoding('utf8');
  const address = await new Promise<ServerAddress>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within ${timeoutMs}ms:\n${log}`)), timeoutMs);
    child.stderr!.on('data', (chunk: string) => {
      log += chunk;
      const match = LISTENING.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve({ host: match[1]!, port: Number(match[2]) });
      }
    });
    void child.then((result) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (code ${result.exitCode}) before listening:\n${log}`));
    });
  });
  return {
    address,
    command: `node ${[...SERVER_NODE_FLAGS, 'dist/cli/server.js', ...args.slice(SERVER_NODE_FLAGS.length + 1)].join(' ')}`,
    log: () => log,
    async stop() {
      child.kill('SIGTERM');
      const result = await child;
      return result.exitCode ?? null;
    },
  };
}
