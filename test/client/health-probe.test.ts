import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeFailure, probeServer } from '../../src/client/health-probe.js';
import { SERVER_BIN, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitUntil } from '../helpers/wait-until.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { requireTool } from '../helpers/tools.js';

const openssl = await requireTool('openssl');

const PROBE_BIN = fileURLToPath(new URL('../../dist/cli/probe.js', import.meta.url));

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

/** A TCP peer on 127.0.0.1 that behaves as `onConnection` says: what a wrong service would do. */
const peers: Server[] = [];
const peerSockets: Socket[] = [];
async function peer(onConnection: (socket: Socket) => void): Promise<number> {
  const listener = createServer((socket) => {
    peerSockets.push(socket);
    onConnection(socket);
  });
  peers.push(listener);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  return (listener.address() as { port: number }).port;
}
afterEach(async () => {
  for (const socket of peerSockets.splice(0)) socket.destroy();
  await Promise.all(peers.splice(0).map((listener) => new Promise((resolve) => listener.close(resolve))));
});

async function freePort(): Promise<number> {
  const port = await peer(() => {});
  await new Promise((resolve) => peers.pop()!.close(resolve));
  return port;
}

describe('probeServer', () => {
  it('passes against the real server: HELLO CHAT-MSG/1, then PONG with its token', async () => {
    const result = await probeServer({ host: '127.0.0.1', port: server.port, timeoutMs: 5000 });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.greeting).toMatch(/^HELLO CHAT-MSG\/1 /);
    // The server logs the PING on its stderr pipe, which may reach us after the PONG did.
    await waitUntil(() => /PING/.test(server.log()), 'the server logs the PING', { detail: server.log });
  });

  it('fails at connect when nothing listens, saying so', async () => {
    const result = await probeServer({ host: '127.0.0.1', port: await freePort(), timeoutMs: 2000 });
    expect(result).toMatchObject({ ok: false, stage: 'connect', code: 'ECONNREFUSED' });
    if (!result.ok) expect(describeFailure(result)).toMatch(/nothing listens on that port/);
  });

  it('fails at hello when another protocol answers', async () => {
    const port = await peer((socket) => socket.write('SSH-2.0-OpenSSH_9.6\r\n'));
    const result = await probeServer({ host: '127.0.0.1', port, timeoutMs: 2000 });
    expect(result).toMatchObject({ ok: false, stage: 'hello', code: 'PROTOCOL' });
    if (!result.ok) expect(describeFailure(result)).toMatch(/SSH-2\.0.*not a CHAT-MSG\/1 server/);
  });

  it('fails at hello when the peer accepts but says nothing', async () => {
    const port = await peer(() => {});
    const result = await probeServer({ host: '127.0.0.1', port, timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, stage: 'hello', code: 'TIMEOUT' });
  });

  it('fails at pong when the server greets and then hangs up', async () => {
    const port = await peer((socket) => socket.end('HELLO CHAT-MSG/1 hi\n'));
    const result = await probeServer({ host: '127.0.0.1', port, timeoutMs: 2000 });
    expect(result).toMatchObject({ ok: false, stage: 'pong', code: 'CLOSED' });
  });

  it('fails at pong on an ERR instead of PONG', async () => {
    const port = await peer((socket) => {
      socket.write('HELLO CHAT-MSG/1 hi\n');
      socket.once('data', () => socket.write('ERR 429 rate limited\n'));
    });
    const result = await probeServer({ host: '127.0.0.1', port, timeoutMs: 2000 });
    expect(result).toMatchObject({ ok: false, stage: 'pong', code: 'PROTOCOL' });
  });
});

describe('chatmsg-probe CLI', () => {
  it('prints PASS and exits 0 for a running server', async () => {
    const result = await execa('node', [PROBE_BIN, '127.0.0.1', String(server.port)], { reject: false });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^PASS 127\.0\.0\.1:\d+: connected in \d+ ms, greeting "HELLO CHAT-MSG\/1 .*", PING -> PONG in \d+ ms$/);
  });

  it('prints FAIL and exits 1 when the port is closed', async () => {
    const result = await execa('node', [PROBE_BIN, '127.0.0.1', String(await freePort())], { reject: false });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^FAIL 127\.0\.0\.1:\d+: connect: /);
  });

  it('--wait keeps trying until a server comes up', async () => {
    const port = await freePort();
    const probe = execa('node', [PROBE_BIN, '127.0.0.1', String(port), '--wait', '20', '--interval', '0.2'], {
      reject: false,
    });
    // The server starts once the probe has found nothing there, however long the probe took to start.
    let said = '';
    probe.stderr!.on('data', (chunk: Buffer) => {
      said += chunk.toString();
    });
    await waitUntil(() => /not answering yet/.test(said), 'the probe says the server is not answering yet', { detail: () => said }).catch(
      (error: unknown) => {
        probe.kill();
        throw error;
      },
    );
    const late = execa('node', [SERVER_BIN, String(port), '--host', '127.0.0.1'], { reject: false });
    try {
      const result = await probe;
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/not answering yet/);
      expect(result.stdout).toMatch(/^PASS /);
    } finally {
      late.kill('SIGTERM');
      await late;
    }
  });

  it.each([[['127.0.0.1']], [['127.0.0.1', '99999']], [['127.0.0.1', '5151', '--wait', '-1']], [['127.0.0.1', '5151', '--bogus']]])(
    'rejects %j with exit 2',
    async (args) => {
      const result = await execa('node', [PROBE_BIN, ...args], { reject: false });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(/^chatmsg-probe: /);
    },
  );
});

describe.skipIf(openssl.skip)(openssl.title('over TLS (a server run with --tls, as deploy.sh --secure starts it)'), () => {
  let tlsDir: string;
  let tlsServer: RunningServer;
  beforeAll(async () => {
    tlsDir = join(await makeTempDir('chatmsg-probe-tls-'), 'pki');
    // The certificate names localhost and 127.0.0.1 only.
    await execa(fileURLToPath(new URL('../../scripts/make-lab-ca.sh', import.meta.url)), [tlsDir]);
    tlsServer = await startServer(['--tls', '--cert', join(tlsDir, 'server.crt'), '--key', join(tlsDir, 'server.key')]);
  });
  afterAll(async () => {
    await tlsServer?.stop();
  });

  it('passes with the lab CA: the handshake, then HELLO and PONG inside TLS', async () => {
    const result = await probeServer({
      host: '127.0.0.1', port: tlsServer.port, timeoutMs: 5000, tls: { ca: await readFile(join(tlsDir, 'ca.crt')) },
    });
    expect(result).toMatchObject({ ok: true, greeting: expect.stringMatching(/^HELLO CHAT-MSG\/1 /) });
  });

  it('fails at connect without the CA, and says to pass it', async () => {
    const result = await probeServer({ host: '127.0.0.1', port: tlsServer.port, timeoutMs: 5000, tls: {} });
    expect(result).toMatchObject({ ok: false, stage: 'connect', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(describeFailure(result as Extract<typeof result, { ok: false }>)).toMatch(/not signed by a CA you trust: pass the lab CA with --ca/);
  });

  it('fails when the certificate does not name the address (127.0.0.2, also loopback)', async () => {
    const other = await startServer(['--host', '127.0.0.2', '--tls', '--cert', join(tlsDir, 'server.crt'), '--key', join(tlsDir, 'server.key')]);
    try {
      const result = await probeServer({
        host: '127.0.0.2', port: other.port, timeoutMs: 5000, tls: { ca: await readFile(join(tlsDir, 'ca.crt')) },
      });
      expect(result).toMatchObject({ ok: false, stage: 'connect', code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
      expect(describeFailure(result as Extract<typeof result, { ok: false }>)).toMatch(/the certificate does not name this address/);
    } finally {
      await other.stop();
    }
  });

  it('the CLI: --tls --ca PASS; --ca without --tls and an unreadable --ca are usage errors', async () => {
    const pass = await execa('node', [PROBE_BIN, '127.0.0.1', String(tlsServer.port), '--tls', '--ca', join(tlsDir, 'ca.crt')], { reject: false });
    expect(pass.exitCode, pass.stderr).toBe(0);
    expect(pass.stdout).toMatch(/^PASS 127\.0\.0\.1:\d+: /);
    const noTls = await execa('node', [PROBE_BIN, '127.0.0.1', '1', '--ca', join(tlsDir, 'ca.crt')], { reject: false });
    expect(noTls.exitCode).toBe(2);
    expect(noTls.stderr).toMatch(/--ca needs --tls/);
    const missing = await execa('node', [PROBE_BIN, '127.0.0.1', '1', '--tls', '--ca', join(tlsDir, 'nope.crt')], { reject: false });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/cannot read --ca .*nope\.crt: ENOENT/);
  });
});
