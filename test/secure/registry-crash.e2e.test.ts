import net from 'node:net';
import { readFile, readdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proofSignedData } from '../../src/crypto/challenge.js';
import { IdentityKey } from '../../src/crypto/identity.js';
import { parseServerLine } from '../../src/protocol/index.js';
import { journalPath, parseRegistry, readRegistryFiles } from '../../src/server/registry.js';
import { startServer } from '../helpers/server-process.js';
import { workspace } from './helpers/workspace.js';

let ws: Awaited<ReturnType<typeof workspace>>;
beforeAll(async () => {
  ws = await workspace();
});
afterAll(async () => {
  await ws?.remove();
});

/** Registers `id` over a raw connection; resolves true on OK REGISTER, false if the connection dies first. */
function register(port: number, id: string, onAck: () => void): Promise<boolean> {
  const key = IdentityKey.generate();
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.on('close', () => resolve(false));
    socket.write(`REGISTER ${id} ${key.publicKey}\n`);
    const lines = createInterface({ input: socket });
    // A killed server resets the connection: readline re-emits the socket's error.
    lines.on('error', () => {});
    lines.on('line', (line) => {
      const pdu = parseServerLine(line);
      if (pdu.kind === 'CHALLENGE') {
        const signed = proofSignedData({ purpose: 'REGISTER', realm: pdu.realm, id, identityKey: key.publicKey, challenge: pdu.challenge, channelBinding: '' });
        socket.write(`PROVE ${key.sign(signed)}\n`);
      } else if (pdu.kind === 'OK' && pdu.verb === 'REGISTER') {
        onAck();
        resolve(true);
        socket.destroy();
      }
    });
  });
}

describe('registry file under SIGKILL (real server processes)', () => {
  it('stays valid and keeps every acknowledged registration when the server is killed mid-registration', async () => {
    const file = ws.path('registry.json');
    const acknowledged: string[] = [];
    let interrupted = 0;
    /** Rounds that left registrations in the journal only (a start folds it into the snapshot). */
    let journalUsed = 0;
    const ROUNDS = 8;
    const PER_ROUND = 25;
    const ACKS_BEFORE_KILL = 3;
    for (let round = 0; round < ROUNDS; round++) {
      const server = await startServer(['--registry', file, '--rate-limit', '0']);
      let killed = false;
      // Kill a few milliseconds after the third acknowledgement: other writes are then in flight.
      let acks = 0;
      const kill = () => {
        if (killed || ++acks < ACKS_BEFORE_KILL) return;
        killed = true;
        setTimeout(() => server.process.kill('SIGKILL'), round % 4);
      };
      const results = await Promise.all(
        Array.from({ length: PER_ROUND }, (_, j) => {
          const id = `r${round}u${j}`;
          return register(server.port, id, kill).then((ok) => {
            if (ok) acknowledged.push(id);
            return ok;
          });
        }),
      );
      await server.process.catch(() => {});
      expect(server.process.signalCode ?? server.process.exitCode).toBe('SIGKILL');
      if (results.includes(false)) interrupted++;

      // The snapshot is always a whole registry; the journal holds what came after it (its torn last line, if any, is not a registration).
      parseRegistry(await readFile(file, 'utf8'), file);
      if ((await readFile(journalPath(file), 'utf8')).length > 0) journalUsed++;
      const registry = await readRegistryFiles(file);
      for (const id of acknowledged) expect(registry.get(id), `acknowledged ${id} lost after round ${round}`).toBeDefined();
    }
    // The kills really landed in the middle of registrations, and work got done around them.
    expect(interrupted).toBeGreaterThan(ROUNDS / 2);
    expect(acknowledged.length).toBeGreaterThanOrEqual(ROUNDS * ACKS_BEFORE_KILL);
    expect(journalUsed).toBeGreaterThan(ROUNDS / 2);
    // The next start cleans up what killed writers left behind.
    const last = await startServer(['--registry', file]);
    expect(last.log()).toMatch(new RegExp(`registry .*\\((\\d+) ids\\)`));
    expect(Number(/registry .*\((\d+) ids\)/.exec(last.log())![1])).toBeGreaterThanOrEqual(acknowledged.length);
    await last.stop();
    expect((await readdir(ws.dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
