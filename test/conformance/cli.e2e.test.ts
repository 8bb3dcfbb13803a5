import { execa } from 'execa';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CONFORMANCE_BIN = fileURLToPath(new URL('../../dist/cli/conformance.js', import.meta.url));

function conformance(...args: string[]) {
  return execa('node', [CONFORMANCE_BIN, ...args], { reject: false });
}

/** A port on 127.0.0.1 that nobody listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('conformance CLI command line', () => {
  it.each([
    [['127.0.0.1'], 'bad target "127.0.0.1": expected <host>:<port>, e.g. 127.0.0.1:5151'],
    [['127.0.0.1:0'], 'bad target "127.0.0.1:0"'],
    [['127.0.0.1:70000'], 'bad target "127.0.0.1:70000"'],
    [[], 'missing target <host>:<port>'],
    [['127.0.0.1:5151', '--only', 'pings'], 'bad --only group "pings": expected one of greeting, login'],
    [['127.0.0.1:5151', '--connections', '5000'], 'bad connections 5000: at most 2000'],
    [['127.0.0.1:5151', '--rate-limit', '2.5'], 'bad rate-limit "2.5"'],
    [['127.0.0.1:5151', '--bogus'], "Unknown option '--bogus'"],
  ])('%j: one clear line and exit 2, nothing sent', async (args, message) => {
    const result = await conformance(...args);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toContain(`chatmsg-conformance: ${message}`);
  });

  it('an unreachable target is one clear error line and exit 3, no table', async () => {
    const port = await closedPort();
    const result = await conformance(`127.0.0.1:${port}`);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`chatmsg-conformance: cannot connect to 127.0.0.1:${port}: ECONNREFUSED`);
  });

  it('--help lists the groups and the options', async () => {
    const result = await conformance('--help');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Groups: greeting, login, direct, broadcast, presence, list, ping, help, errors, framing, text, disconnect, robustness');
    expect(result.stdout).toContain('--max-clients N');
  });
});
