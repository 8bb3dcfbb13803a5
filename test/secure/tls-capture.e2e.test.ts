import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTshark } from '../../src/analyze/tshark.js';
import { startServer, type RunningServer } from '../helpers/server-process.js';
import { captureLoopback } from '../wireshark/helpers/tcpdump.js';
import { requireTool } from '../helpers/tools.js';
import { startClient, type ChatClient } from './helpers/chat-client.js';
import { workspace } from './helpers/workspace.js';

const capture = await requireTool('openssl', 'tcpdump', 'root', 'tshark');

const MAKE_LAB_CA = fileURLToPath(new URL('../../scripts/make-lab-ca.sh', import.meta.url));
const PLAIN_TEXT = 'hello over TLS, plain MSG';
const E2E_TEXT = 'doubly wrapped secret';

let ws: Awaited<ReturnType<typeof workspace>>;
let server: RunningServer;
const clients: ChatClient[] = [];

/** chatmsg.verb of every CHAT-MSG PDU tshark finds in the capture, with the given preferences. */
async function verbs(pcap: string, port: number, keylog?: string): Promise<string[]> {
  const decode = ['-d', `tcp.port==${port},tls`, '-d', `tls.port==${port},chatmsg`, '-T', 'fields', '-e', 'chatmsg.verb', '-E', 'occurrence=a'];
  const out = await runTshark(pcap, decode, { filter: 'chatmsg', keylog });
  return out.split('\n').flatMap((line) => line.split(',')).filter((verb) => verb !== '');
}

describe.skipIf(capture.skip)(capture.title('TLS 1.3 with key logs: tshark decrypts, the dissector shows the PDUs (real tcpdump and tshark)'), () => {
  beforeAll(async () => {
    ws = await workspace();
    await execa(MAKE_LAB_CA, [ws.path('pki')]);
  });
  afterAll(async () => {
    for (const c of clients) c.process.kill();
    await server?.stop();
    await ws?.remove();
  });

  it('carries registration, AUTH, MSG and EMSG inside TLS, readable only with a key log', async () => {
    server = await startServer([
      '--registry', ws.path('registry.json'),
      '--tls', '--cert', ws.path('pki/server.crt'), '--key', ws.path('pki/server.key'),
      '--keylog', ws.path('server.keylog'),
    ]);
    const pcap = ws.path('tls.pcap');
    // Only this server's connections (127.0.0.1:port as one end): other suites run their servers and
    // clients on loopback at the same time, on other addresses too, whose ports may equal ours.
    const end = (side: 'src' | 'dst') => `(${side} host 127.0.0.1 and ${side} port ${server.port})`;
    const capture = await captureLoopback(pcap, `tcp and (${end('src')} or ${end('dst')})`);
    const tls = ['--tls', '--ca', ws.path('pki/ca.crt')];
    const bob = startClient(server.port, [...tls, '--key', ws.path('bob.key')], ws.dir);
    const alice = startClient(server.port, [...tls, '--require-tls', '--key', ws.path('alice.key'), '--keylog', ws.path('alice.keylog')], ws.dir);
    clients.push(bob, alice);
    await bob.waitFor(/connected to .*TLS 1\.3, certificate verified/);
    bob.say('/register bob');
    alice.say('/register alice');
    // The login proof is bound to the TLS channel.
    await alice.waitFor(/< CHALLENGE \S+ \S+ tls-exporter/);
    await alice.waitFor(/< OK PREKEY/);
    await bob.waitFor(/< OK PREKEY/);
    alice.say(`MSG bob ${PLAIN_TEXT}`);
    alice.say(`/e bob ${E2E_TEXT}`);
    await bob.waitFor(new RegExp(`e2e from alice #1: ${E2E_TEXT}`));
    await bob.waitFor(new RegExp(`< MSG alice bob ${PLAIN_TEXT}`));
    expect(await alice.end()).toBe(0);
    expect(await bob.end()).toBe(0);
    await capture.stop();

    const raw = await readFile(pcap);
    expect(raw.includes(PLAIN_TEXT)).toBe(false);
    expect(raw.includes('REGISTER')).toBe(false);
    expect(await verbs(pcap, server.port)).toEqual([]);

    const decrypted = await verbs(pcap, server.port, ws.path('server.keylog'));
    for (const verb of ['HELLO', 'REGISTER', 'CHALLENGE', 'PROVE', 'PREKEY', 'KEYS', 'MSG', 'EMSG', 'OK']) expect(decrypted).toContain(verb);
    // Even decrypted TLS shows only ciphertext of the EMSG text.
    const text = await runTshark(pcap, ['-d', `tcp.port==${server.port},tls`, '-d', `tls.port==${server.port},chatmsg`, '-T', 'fields', '-e', 'chatmsg.line'], {
      filter: 'chatmsg',
      keylog: ws.path('server.keylog'),
    });
    expect(text).toContain(PLAIN_TEXT);
    expect(text).not.toContain(E2E_TEXT);

    // The client's key log opens its own connection (and only that one).
    const fromAlice = await verbs(pcap, server.port, ws.path('alice.keylog'));
    expect(fromAlice).toContain('EMSG');
    expect(fromAlice.filter((verb) => verb === 'REGISTER')).toHaveLength(1);
  });

  it('refuses a server certificate that the client cannot verify, and plain TCP clients get no CHAT-MSG', async () => {
    const untrusting = startClient(server.port, ['--tls']);
    clients.push(untrusting);
    expect((await untrusting.process).exitCode).toBe(1);
    expect(untrusting.stderr()).toMatch(/cannot connect to 127\.0\.0\.1:\d+: .*(certificate|self[- ]signed|issuer)/i);
    const plain = startClient(server.port, []);
    clients.push(plain);
    plain.say('HELP');
    const code = (await plain.process).exitCode;
    expect(plain.lines.join('\n')).not.toMatch(/< HELLO/);
    expect(code).not.toBe(0);
  });
});
