import { execa, type ResultPromise } from 'execa';
import { fileURLToPath } from 'node:url';

export const AGENT_BIN = fileURLToPath(new URL('../../dist/cli/lab-agent.js', import.meta.url));

export interface RunningAgent {
  port: number;
  process: ResultPromise;
  log(): string;
}

/** Starts the real built lab agent on an ephemeral port of 127.0.0.1 and waits until it listens. */
export async function startAgent(args: string[] = []): Promise<RunningAgent> {
  const child = execa('node', [AGENT_BIN, '--host', '127.0.0.1', '--port', '0', ...args], {
    reject: false,
    buffer: false,
    stdin: 'ignore',
  });
  let log = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not start:\n${log}`)), 15_000);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      log += chunk;
      const match = /agent listening on [^\s]+:(\d+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on('exit', () => reject(new Error(`agent exited before listening:\n${log}`)));
  });
  return { port, process: child, log: () => log };
}
