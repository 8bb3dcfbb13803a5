import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server-process.js';

const CLIENTS = 2100;
const WAVE = 300;

/**
 * A deliberately light client for thousands of connections: it keeps no lines (every login
 * makes the others receive a JOINED, about two million lines in all), only watches the stream
 * for the strings the test waits for.
 */
class Watcher {
  readonly socket: net.Socket;
  #tail = '';
  #wanted = new Map<string, () => void>();

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('error', () => {});
    socket.on('data', (chunk: string) => {
      const text = this.#tail + chunk;
      for (const [needle, found] of this.#wanted) {
        if (text.includes(needle)) {
          this.#wanted.delete(needle);
          found();
        }
      }
      this.#tail = text.slice(-256);
    });
  }

  /** Resolves once `needle` arrives (or is in the last 256 characters that did). */
  expect(needle: string): Promise<void> {
    if (this.#tail.includes(needle)) return Promise.resolve();
    return new Promise((resolve) => this.#wanted.set(needle, resolve));
  }
}

function connect(port: number): Promise<Watcher> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('error', reject);
    socket.once('connect', () => resolve(new Watcher(socket)));
  });
}

describe('server scale (e2e)', () => {
  let server: RunningServer;
  const watchers: Watcher[] = [];

  beforeAll(async () => {
    server = await startServer(['--max-clients', String(CLIENTS + 100), '--rate-limit', '0', '--login-timeout', '300']);
  });
  afterAll(async () => {
    for (const watcher of watchers) watcher.socket.destroy();
    await server.stop();
  });

  it(`${CLIENTS} concurrent connections log in and one broadcast reaches all`, { timeout: 60_000 }, async () => {
    // Connect everyone first, then send each wave's LOGINs in one go: the server reads them in
    // the same event-loop turn, so the JOINEDs they cause leave as one write per socket, not
    // one per login (the JOINED fan-out is quadratic in the number of clients).
    for (let first = 0; first < CLIENTS; first += WAVE) {
      const count = Math.min(WAVE, CLIENTS - first);
      const wave = await Promise.all(Array.from({ length: count }, () => connect(server.port)));
      await Promise.all(wave.map((watcher) => watcher.expect('HELLO CHAT-MSG/1 ')));
      watchers.push(...wave);
    }
    for (let first = 0; first < CLIENTS; first += WAVE) {
      const wave = watchers.slice(first, first + WAVE);
      const loggedIn = wave.map((watcher, i) => watcher.expect(`OK LOGIN c${first + i}\n`));
      wave.forEach((watcher, i) => watcher.socket.write(`LOGIN c${first + i}\n`));
      await Promise.all(loggedIn);
    }
    expect(watchers).toHaveLength(CLIENTS);

    const [sender, ...others] = watchers;
    const delivered = others.map((watcher) => watcher.expect('MSG c0 ALL to everyone at once\n'));
    const acknowledged = sender!.expect(`OK MSG ALL ${CLIENTS - 1}\n`);
    sender!.socket.write('MSG ALL to everyone at once\n');
    await Promise.all([acknowledged, ...delivered]);

    // A direct message to the last one to arrive finds it without a scan (and arrives).
    const last = watchers.at(-1)!;
    const direct = last.expect(`MSG c0 c${CLIENTS - 1} just you\n`);
    sender!.socket.write(`MSG c${CLIENTS - 1} just you\n`);
    await direct;
  });
});
