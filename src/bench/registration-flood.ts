import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { proofSignedData } from '../crypto/challenge.js';
import { IdentityKey } from '../crypto/identity.js';
import { parseServerLine } from '../protocol/index.js';

/**
 * A worker thread of the registration workload: `connections` loops, each registering new ids as
 * fast as the server takes them, one connection per id (a registered connection is logged in,
 * and REGISTER needs a logged-out one): connect, REGISTER, PROVE, OK REGISTER, close. It runs in
 * its own thread so its signing does not delay the latency probe in the main thread.
 */
export interface FloodSetup {
  host: string;
  port: number;
  connections: number;
  durationMs: number;
  /** Ids are `<prefix><n>`. */
  prefix: string;
}

export interface FloodResult {
  registered: number;
  /** Registrations completed in each second of the flood. */
  perSecond: number[];
  errors: number;
  firstError?: string | undefined;
}

async function flood({ host, port, connections, durationMs, prefix }: FloodSetup): Promise<FloodResult> {
  // One key for every id: the server does not care, and the flood is not slowed by key generation.
  const key = IdentityKey.generate();
  const started = Date.now();
  const result: FloodResult = { registered: 0, perSecond: [], errors: 0 };
  let next = 0;
  const registerOne = () =>
    new Promise<void>((resolve) => {
      const id = `${prefix}${next++}`;
      const socket = net.connect({ host, port, noDelay: true });
      let tail = '';
      let finished = false;
      const done = (error?: string) => {
        if (finished) return;
        finished = true;
        if (error !== undefined) {
          result.errors++;
          result.firstError ??= error;
        }
        socket.destroy();
        resolve();
      };
      socket.on('error', (error) => done(error.message));
      socket.on('close', () => done('closed by the server'));
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        const lines = (tail + chunk).split('\n');
        tail = lines.pop()!;
        for (const line of lines) {
          const pdu = parseServerLine(line);
          if (pdu.kind === 'HELLO') {
            socket.write(`REGISTER ${id} ${key.publicKey}\n`);
          } else if (pdu.kind === 'CHALLENGE') {
            const signed = proofSignedData({ purpose: 'REGISTER', realm: pdu.realm, id, identityKey: key.publicKey, challenge: pdu.challenge, channelBinding: '' });
            socket.write(`PROVE ${key.sign(signed)}\n`);
          } else if (pdu.kind === 'OK') {
            const second = Math.floor((Date.now() - started) / 1000);
            while (result.perSecond.length <= second) result.perSecond.push(0);
            result.perSecond[second]!++;
            result.registered++;
            return done();
          } else {
            return done(line);
          }
        }
      });
    });
  const loop = async () => {
    while (Date.now() - started < durationMs) await registerOne();
  };
  await Promise.all(Array.from({ length: connections }, loop));
  return result;
}

if (parentPort !== null) {
  const port = parentPort;
  void flood(workerData as FloodSetup).then((result) => port.postMessage(result));
}
