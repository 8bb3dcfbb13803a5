import { execa } from 'execa';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SCENARIO_CLIENT_ARGS, type ClientDriver, type ClientExit, type ClientLauncher, type ServerAddress } from './client-driver.js';

/** The built client next to this file: dist/scenario/ -> dist/cli/client.js. */
export const CLIENT_ENTRY = fileURLToPath(new URL('../cli/client.js', import.meta.url));

/** Starts each scenario client as a real `chatmsg-client` process on this machine. */
export class LocalClientLauncher implements ClientLauncher {
  readonly where = 'local chatmsg-client processes';

  async launch(_name: string, server: ServerAddress, onLine: (line: string) => void, extraArgs: readonly string[] = []): Promise<ClientDriver> {
    const child = execa(process.execPath, [CLIENT_ENTRY, server.host, String(server.port), ...SCENARIO_CLIENT_ARGS, ...extraArgs], {
      buffer: false,
      reject: false,
      stdin: 'pipe',
      env: { NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => (stderr += chunk));
    const stdoutDone = new Promise<void>((resolve) => {
      const lines = createInterface({ input: child.stdout!, crlfDelay: Infinity });
      lines.on('line', onLine);
      lines.on('close', resolve);
    });
    // A client that dies while we write to it must not crash the runner with EPIPE.
    child.stdin!.on('error', () => {});
    const exited: Promise<ClientExit> = child.then(async (result) => {
      await stdoutDone;
      return { code: result.exitCode ?? null, signal: result.signal ?? null, stderr };
    });
    return {
      send: (line) => {
        if (child.stdin!.writable) child.stdin!.write(`${line}\n`);
      },
      endInput: () => child.stdin!.end(),
      kill: () => child.kill('SIGKILL'),
      exited,
    };
  }
}
