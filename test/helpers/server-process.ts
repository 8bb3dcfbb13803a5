import type { ResultPromise } from 'execa';
import { fileURLToPath } from 'node:url';
import { spawnListening } from './spawn-listening.js';

/** The built server entry point; `npm test` builds dist/ before vitest starts. */
export const SERVER_BIN = fileURLToPath(new URL('../../dist/cli/server.js', import.meta.url));
export const CLIENT_BIN = fileURLToPath(new URL('../../dist/cli/client.js', import.meta.url));

export interface RunningServer {
  host: string;
  port: number;
  process: ResultPromise;
  /** Everything the server wrote to stderr so far (its log). */
  log(): string;
  /** Sends SIGTERM and waits for the exit; resolves to the exit code. */
  stop(): Promise<number | undefined>;
}

/**
 * Starts a real server process on an ephemeral port of 127.0.0.1 (or on `port`, e.g. to restart
 * a server where its clients know it) and waits for its `listening on <host>:<port>` log line.
 */
export async function startServer(args: string[] = [], port = 0): Promise<RunningServer> {
  const { process: child, port: listening, log } = await spawnListening(
    'server',
    [SERVER_BIN, String(port), '--host', '127.0.0.1', ...args],
    /listening on [^\s]+:(\d+)/,
  );
  return {
    host: '127.0.0.1',
    port: listening,
    process: child,
    log,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const result = await child;
      return result.exitCode;
    },
  };
}
