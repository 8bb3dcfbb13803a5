import { execa, type ResultPromise } from 'execa';

export interface ListeningProcess {
  process: ResultPromise;
  /** The port the process reported in its `listening on <host>:<port>` line. */
  port: number;
  /** Everything the process wrote to stderr so far. */
  log(): string;
}

/**
 * Spawns a real built entry point and waits until its stderr matches `listening`, whose first
 * group is the port it bound. Fails with the process's log if it exits or stays silent first.
 */
export async function spawnListening(name: string, args: string[], listening: RegExp): Promise<ListeningProcess> {
  const child = execa('node', args, { reject: false, buffer: false, stdin: 'ignore' });
  let log = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${log}`)), 15_000);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      log += chunk;
      const match = listening.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on('exit', () => reject(new Error(`${name} exited before listening:\n${log}`)));
  });
  return { process: child, port, log: () => log };
}
