import { execa, type ResultPromise } from 'execa';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLIENT_BIN } from '../../helpers/server-process.js';

/** A real chatmsg-client process driven through its piped stdin, its stdout read line by line. */
export interface ChatClient {
  readonly lines: string[];
  readonly stderr: () => string;
  say(line: string): void;
  /** Resolves with the first stdout line (from `from` on) matching `pattern`. */
  waitFor(pattern: RegExp, options?: { from?: number; timeoutMs?: number }): Promise<string>;
  /** Resolves once stderr (written independently of stdout) matches `pattern`. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Closes stdin and resolves with the exit code. */
  end(): Promise<number | undefined>;
  process: ResultPromise;
}

export function startClient(port: number, args: string[] = [], cwd?: string): ChatClient {
  const child = execa('node', [CLIENT_BIN, '127.0.0.1', String(port), '--keepalive', '0', ...args], {
    reject: false,
    buffer: false,
    stdin: 'pipe',
    env: { NO_COLOR: '1' },
    ...(cwd === undefined ? {} : { cwd }),
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const wake of waiters) wake();
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  child.stdin!.on('error', () => {});
  return {
    lines,
    stderr: () => stderr,
    process: child,
    say: (line) => child.stdin!.write(`${line}\n`),
    waitFor(pattern, { from = 0, timeoutMs = 10_000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.slice(from).find((line) => pattern.test(line));
          if (found === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; got:\n${lines.join('\n')}\nstderr:\n${stderr}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async waitForStderr(pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stderr)) {
        if (Date.now() > deadline) throw new Error(`stderr never matched ${pattern}:\n${stderr}`);
        await sleep(20);
      }
    },
    async end() {
      child.stdin!.end();
      return (await child).exitCode;
    },
  };
}
