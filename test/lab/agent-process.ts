import type { ResultPromise } from 'execa';
import { fileURLToPath } from 'node:url';
import { spawnListening } from '../helpers/spawn-listening.js';

export const AGENT_BIN = fileURLToPath(new URL('../../dist/cli/lab-agent.js', import.meta.url));

export interface RunningAgent {
  port: number;
  process: ResultPromise;
  log(): string;
}

/** Starts the real built lab agent on an ephemeral port of 127.0.0.1 and waits until it listens. */
export async function startAgent(args: string[] = []): Promise<RunningAgent> {
  return spawnListening('agent', [AGENT_BIN, '--host', '127.0.0.1', '--port', '0', ...args], /agent listening on [^\s]+:(\d+)/);
}
