import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_BIN, startServer, type RunningServer } from '../helpers/server-process.js';
import { startFakeServer, type FakeServer } from './fake-server.js';

/** End-to-end: real chatmsg-client processes against a real server process (or a raw fake one). */

const LINE_FORMAT = /^\d{2}:\d{2}:\d{2}\.\d{3} [<>*] .*$/;
const SGR = /\x1b\[[0-9;]*m/;

let server: RunningServer | undefined;
let fake: FakeServer | undefined;
afterEach(async () => {
  await server?.stop();
  await fake?.close();
  server = undefined;
  fake = undefined;
});

function runClient(port: number, args: string[], input?: string) {
  return execa('node', [CLIENT_BIN, '127.0.0.1', String(port), ...args], {
    reject: false,
    ...(input === undefined ? {} : { input }),
    timeout: 20_000,
  });
}

/** A client kept running (stdin open) that has logged in as `id`; `seen()` is its stdout so far. */
async function loggedInClient(port: number, id: string) {
  const child = execa('node', [CLIENT_BIN, '127.0.0.1', String(port), '--id', id, '--keepalive', '0'], { reject: false });
  let seen = '';
  child.stdout!.on('data', (chunk: Buffer) => (seen += chunk.toString()));
  await expect.poll(() => seen, { timeout: 10_000 }).toContain(`OK LOGIN ${id}`);
  return { child, seen: () => seen };
}

/** The text of each stdout line of one kind (`<`, `>` or `*`), timestamps cut off. */
function linesOf(stdout: string, mark: '<' | '>' | '*'): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.slice(13, 14) === mark)
    .map((line) => line.slice(15));
}

describe('chatmsg-client, piped', () => {
  it('runs a LOGIN/MSG/LIST/PING/LOGOFF session and exits 0 after LOGOFF', async () => {
    server = await startServer();
    const result = await runClient(server.port, [], 'LOGIN alice\nmsg alice note to self\nLIST\nPING 7\nLOGOFF alice\n');
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(LINE_FORMAT);
    expect(result.stdout).not.toMatch(SGR);
    expect(linesOf(result.stdout, '>')).toEqual(['LOGIN alice', 'msg alice note to self', 'LIST', 'PING 7', 'LOGOFF alice']);
    expect(linesOf(result.stdout, '<')).toEqual([
      expect.stringMatching(/^HELLO CHAT-MSG\/1 /),
      'OK LOGIN alice',
      'MSG alice alice note to self',
      'OK MSG alice',
      'OK LIST 1 alice',
      'PONG 7',
      'OK LOGOFF alice',
    ]);
    expect(linesOf(result.stdout, '*')[0]).toBe(`connected to 127.0.0.1:${server.port}`);
    expect(linesOf(result.stdout, '*').at(-1)).toMatch(/^closed: logged off/);
  });

  it('closes cleanly and exits 0 at the end of its input; the others see LEFT', async () => {
    server = await startServer();
    const watcher = await loggedInClient(server.port, 'watcher');
    const result = await runClient(server.port, ['--id', 'brief'], '');
    expect(result.exitCode).toBe(0);
    expect(linesOf(result.stdout, '*').at(-1)).toMatch(/^closed: end of input/);
    await expect.poll(watcher.seen, { timeout: 10_000 }).toContain('< LEFT brief');
    watcher.child.stdin!.end();
    expect((await watcher.child).exitCode).toBe(0);
  });

  it('--id logs in right after connecting, before the typed lines', async () => {
    server = await startServer();
    const result = await runClient(server.port, ['--id', 'bob'], 'LIST\n');
    expect(result.exitCode).toBe(0);
    expect(linesOf(result.stdout, '>')).toEqual(['LOGIN bob', 'LIST']);
    expect(linesOf(result.stdout, '<').slice(1)).toEqual(['OK LOGIN bob', 'OK LIST 1 bob']);
  });

  it('exits 1 with a clear message when the server cannot be reached', async () => {
    fake = await startFakeServer(() => {});
    const port = fake.port;
    await fake.close();
    fake = undefined;
    const result = await runClient(port, [], 'LOGIN alice\n');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(`chatmsg-client: cannot connect to 127.0.0.1:${port}: connection refused (is the server running, on that port?)`);
  });

  it('exits 3 with a clear message when the server dies', async () => {
    server = await startServer();
    const { child: client } = await loggedInClient(server.port, 'carol');
    server.process.kill('SIGKILL');
    const result = await client;
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/^chatmsg-client: connection lost: (the server closed the connection|127\.0\.0\.1:\d+ reset the connection)/);
  });

  it('exits 4 and says so when the server shuts down with BYE', async () => {
    server = await startServer();
    const { child: client } = await loggedInClient(server.port, 'dave');
    await server.stop();
    const result = await client;
    expect(result.exitCode).toBe(4);
    expect(linesOf(result.stdout, '<').at(-1)).toMatch(/^BYE /);
    expect(result.stderr).toMatch(/^chatmsg-client: the server is shutting down: /);
  });

  it('shows ESC and other control characters from the network escaped, never raw', async () => {
    fake = await startFakeServer((socket) => {
      socket.end('HELLO CHAT-MSG/1 fake\nMSG evil ALL \x1b[2J\x1b]0;owned\x07 bell\x08\x7f\x9b done\n');
    });
    const result = await runClient(fake.port, ['--keepalive', '0'], '');
    expect(result.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/);
    expect(linesOf(result.stdout, '<')).toContain('MSG evil ALL \\x1b[2J\\x1b]0;owned\\x07 bell\\x08\\x7f\\x9b done');
  });

  it('sends PING after a quiet while and shows the PONG', async () => {
    server = await startServer();
    const client = execa('node', [CLIENT_BIN, '127.0.0.1', String(server.port), '--keepalive', '0.5'], { reject: false });
    let seen = '';
    client.stdout!.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    await expect.poll(() => seen, { timeout: 10_000 }).toContain('< PONG keepalive');
    expect(linesOf(seen, '>')).toContain('PING keepalive');
    expect(linesOf(seen, '*').some((line) => line.startsWith('keepalive: nothing received for 0.5s'))).toBe(true);
    client.stdin!.end();
    expect((await client).exitCode).toBe(0);
  });

  it('reports the connection dead when a keepalive PING gets no reply', async () => {
    fake = await startFakeServer(() => {}); // accepts, then says nothing, ever
    const client = await execa('node', [CLIENT_BIN, '127.0.0.1', String(fake.port), '--keepalive', '0.3'], { reject: false, stdin: 'pipe', timeout: 20_000 });
    expect(client.exitCode).toBe(3);
    expect(linesOf(client.stdout, '>')).toEqual(['PING keepalive']);
    expect(client.stderr).toBe('chatmsg-client: connection lost: no reply to the keepalive PING within 0.3s');
  });

  it('refuses bad command lines with one line and exit 2', async () => {
    for (const args of [['127.0.0.1', '70000'], ['127.0.0.1', '5151', '--id', 'ALL'], ['127.0.0.1', '5151', '--keepalive', '-1'], ['127.0.0.1'], ['127.0.0.1', '5151', '--bogus']]) {
      const result = await execa('node', [CLIENT_BIN, ...args], { reject: false, stdin: 'ignore' });
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^chatmsg-client: .+\nusage: chatmsg-client /);
    }
  });
});

describe('chatmsg-client on a terminal', () => {
  /** Runs the client under `script`, which gives it a pseudo-terminal for stdin and stdout. */
  async function onTerminal(port: number, env: Record<string, string>) {
    const command = `node ${CLIENT_BIN} 127.0.0.1 ${port} --keepalive 0`;
    return execa('script', ['-qec', command, '/dev/null'], { reject: false, stdin: 'ignore', env, timeout: 20_000 });
  }

  it('colours lines on a TTY, and not with NO_COLOR', async () => {
    fake = await startFakeServer((socket) => {
      socket.write('HELLO CHAT-MSG/1 fake\nERR 400 malformed request\n');
      setTimeout(() => socket.end(), 300);
    });
    const coloured = await onTerminal(fake.port, {});
    expect(coloured.stdout).toContain('ERR 400 malformed request');
    expect(coloured.stdout).toMatch(SGR);
    const plain = await onTerminal(fake.port, { NO_COLOR: '1' });
    expect(plain.stdout).toContain('ERR 400 malformed request');
    expect(plain.stdout).not.toMatch(SGR);
  });
});
