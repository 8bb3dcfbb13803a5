import net from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server-process.js';
import { startClient, type ChatClient } from './helpers/chat-client.js';
import { workspace } from './helpers/workspace.js';

let ws: Awaited<ReturnType<typeof workspace>>;
let server: RunningServer;
const clients: ChatClient[] = [];
const closers: (() => Promise<void>)[] = [];

function client(port: number, args: string[]): ChatClient {
  const c = startClient(port, args, ws.dir);
  clients.push(c);
  return c;
}

/**
 * A fake server that relays a login: for each victim that connects, it opens its own connection
 * to the real server, sends the victim's AUTH there, hands the real CHALLENGE (realm and all)
 * to the victim and the victim's PROVE back. If the real server says OK, the attacker is
 * logged in as the victim on its own connection and speaks for them.
 */
async function relayServer(realPort: number) {
  const fromVictims: string[] = [];
  const fromReal: string[] = [];
  const sockets = new Set<net.Socket>();
  const fake = net.createServer((victim) => {
    const real = net.connect(realPort, '127.0.0.1');
    sockets.add(victim).add(real);
    victim.on('error', () => {});
    real.on('error', () => {});
    createInterface({ input: real }).on('line', (line) => {
      fromReal.push(line);
      if (line.startsWith('HELLO ') || line.startsWith('CHALLENGE ')) victim.write(`${line}\n`);
      if (line.startsWith('OK AUTH ')) real.write('MSG ALL it is really me, send the exam answers here\n');
    });
    createInterface({ input: victim }).on('line', (line) => {
      fromVictims.push(line);
      if (/^(AUTH|PROVE) /.test(line)) real.write(`${line}\n`);
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        fake.close(() => resolve());
      }),
  );
  return { port: (fake.address() as net.AddressInfo).port, fromVictims, fromReal };
}

beforeAll(async () => {
  ws = await workspace();
  server = await startServer(['--realm', 'lab-real']);
});

afterAll(async () => {
  for (const c of clients) c.process.kill();
  for (const close of closers) await close();
  await server?.stop();
  await ws?.remove();
});

describe('a login relayed by a fake server in the middle (real server, real client processes)', () => {
  it('fails against a client that has logged in at the real server before: it refuses to sign', async () => {
    const alice = client(server.port, ['--key', ws.path('alice.key')]);
    alice.say('/register alice');
    await alice.waitFor(/first login at 127\.0\.0\.1:\d+: pinned its realm lab-real/);
    await alice.waitFor(/< OK PREKEY/);
    expect(await alice.end()).toBe(0);
    const bob = client(server.port, ['--id', 'bob']);
    await bob.waitFor(/< OK LOGIN bob/);

    const relay = await relayServer(server.port);
    const victim = client(relay.port, ['--key', ws.path('alice.key'), '--id', 'alice']);
    await victim.waitFor(/< CHALLENGE \S+ lab-real none/);
    await victim.waitForStderr(new RegExp(`WARNING: realm lab-real belongs to 127\\.0\\.0\\.1:${server.port} .*but this server is 127\\.0\\.0\\.1:${relay.port}.*Not proving`));
    // Give a broken client every chance to send its proof before looking.
    victim.say('PING done');
    await sleep(300);
    expect(relay.fromVictims.filter((line) => line.startsWith('PROVE'))).toEqual([]);
    expect(relay.fromReal.filter((line) => line.startsWith('OK AUTH'))).toEqual([]);
    expect(bob.lines.join('\n')).not.toMatch(/exam answers/);
  });

  it('succeeds at first contact through the relay (the trust-on-first-use limit documented in 9.5)', async () => {
    // Carol registered without keeping realm pins, so the relay is her first contact as far as
    // her client knows: this is the attack the pins cannot stop (TLS with --require-tls does).
    const carol = client(server.port, ['--key', ws.path('carol.key'), '--realms-in-memory']);
    carol.say('/register carol');
    await carol.waitFor(/< OK PREKEY/);
    expect(await carol.end()).toBe(0);
    const relay = await relayServer(server.port);
    const victim = client(relay.port, ['--key', ws.path('carol.key'), '--id', 'carol']);
    await victim.waitFor(/first login at 127\.0\.0\.1:\d+: pinned its realm lab-real/);
    const deadline = Date.now() + 10_000;
    while (!relay.fromReal.includes('OK AUTH carol') && Date.now() < deadline) await sleep(20);
    expect(relay.fromReal).toContain('OK AUTH carol');
  });

  it('--require-tls refuses to start without TLS', async () => {
    const c = client(server.port, ['--require-tls']);
    expect(await c.end()).toBe(2);
    expect(c.stderr()).toMatch(/--require-tls needs --tls/);
  });
});
