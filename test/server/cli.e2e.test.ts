import { execa } from 'execa';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { SERVER_BIN, startServer } from '../helpers/server-process.js';
import { LineSocket } from './line-socket.js';

const run = (...args: string[]) => execa('node', [SERVER_BIN, ...args], { reject: false, timeout: 10_000, stdin: 'ignore' });

describe('chatmsg-server command line (e2e)', () => {
  it.each([
    [[], /^chatmsg-server: missing port$/],
    [['port'], /^chatmsg-server: bad port "port": expected an integer 0-65535$/],
    [['65536'], /bad port "65536"/],
    [['-1'], /^chatmsg-server: /],
    [['5151', '5152'], /unexpected argument "5152"/],
    [['0', '--bogus'], /Unknown option '--bogus'/],
    [['0', '--max-clients', '0'], /bad max-clients "0": expected an integer >= 1/],
    [['0', '--max-clients', '1.5'], /bad max-clients/],
    [['0', '--max-line', '1'], /bad max-line "1": expected an integer >= 2/],
    [['0', '--max-line'], /argument missing/],
    [['0', '--login-timeout', '0'], /bad login-timeout "0": expected a number > 0/],
    [['0', '--login-timeout', 'soon'], /bad login-timeout/],
    [['0', '--max-queue', '-5'], /^chatmsg-server: /],
    [['0', '--max-queue', '4000'], /bad max-queue 4000: must be at least max-line \+ 64 \(4160\)/],
    [['0', '--max-line', '100000', '--max-queue', '65536'], /bad max-queue 65536/],
    [['0', '--rate-limit', 'fast'], /bad rate-limit "fast": expected a number >= 0/],
    [['0', '--rate-limit', '50/s'], /bad rate-limit "50\/s": expected a number >= 0/],
    [['0', '--host', ''], /bad host ""/],
    [['0', '--max-registered', '0'], /bad max-registered "0": expected an integer >= 1/],
    [['0', '--register-limit=-1'], /bad register-limit "-1": expected an integer >= 0/],
    [['0', '--register-limit', '2.5'], /bad register-limit "2.5"/],
  ])('%j: one clear line, a usage hint, exit 2', async (args, message) => {
    const result = await run(...args);
    expect(result.exitCode).toBe(2);
    const lines = String(result.stderr).split('\n');
    expect(lines[0]).toMatch(message);
    expect(lines[1]).toMatch(/^usage: chatmsg-server <port> \[options\]/);
    expect(result.stdout).toBe('');
  });

  it('--help prints the options and exits 0', async () => {
    const result = await run('--help');
    expect(result.exitCode).toBe(0);
    for (const option of ['--host', '--max-clients', '--max-line', '--login-timeout', '--max-queue', '--rate-limit', '--log-text']) {
      expect(result.stdout).toContain(option);
    }
  });

  it('a port already in use: one line and exit 1', async () => {
    const server = await startServer();
    try {
      const result = await run(String(server.port), '--host', '127.0.0.1');
      expect(result.exitCode).toBe(1);
      expect(String(result.stderr).trim().split('\n').at(-1)).toBe(`chatmsg-server: cannot listen on 127.0.0.1:${server.port}: EADDRINUSE`);
    } finally {
      await server.stop();
    }
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s: BYE to every client, sockets closed, exit 0', async (signal) => {
    const server = await startServer();
    const alice = await LineSocket.login(server.port, 'alice');
    const anonymous = await LineSocket.connect(server.port);
    await anonymous.waitFor(/^HELLO /);
    server.process.kill(signal);
    for (const client of [alice, anonymous]) {
      expect(await client.waitFor(/^BYE /)).toMatch(/^BYE \S/);
      await client.waitClosed();
    }
    expect(alice.lines.filter((line) => line.startsWith('LEFT'))).toEqual([]);
    const result = await server.process;
    expect(result.exitCode).toBe(0);
    expect(server.log()).toMatch(new RegExp(`shutdown ${signal}`));
  });

  it('shuts down even when a client never closes its side', async () => {
    const server = await startServer();
    const stubborn = net.connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true });
    stubborn.on('error', () => {});
    stubborn.pause();
    await new Promise((resolve) => stubborn.once('connect', resolve));
    const started = Date.now();
    expect(await server.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(8000);
    stubborn.destroy();
  });
});
