import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open as openSealed } from '../../src/crypto/aead.js';
import { decodePayload } from '../../src/crypto/emsg-payload.js';
import { startServer, type RunningServer } from '../helpers/server-process.js';
import { startClient, type ChatClient } from './helpers/chat-client.js';
import { startTapProxy, type TapProxy } from './helpers/tap-proxy.js';
import { workspace } from './helpers/workspace.js';

let ws: Awaited<ReturnType<typeof workspace>>;
let server: RunningServer;
let tap: TapProxy;
const clients: ChatClient[] = [];

const SECRET_TO_BOB = 'the vault code is 7305-alpha';
const SECRET_TO_ALICE = 'roger, bringing the blue folder';

function client(name: string, port: number): ChatClient {
  const c = startClient(port, ['--key', ws.path(`${name}.key`)], ws.dir);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  ws = await workspace();
  process.env['CHATMSG_E2E_KEYLOG'] = ws.path('e2e-keys.log');
  // --log-text: even a server told to log message text must have no text to log.
  server = await startServer(['--registry', ws.path('registry.json'), '--log-text']);
  tap = await startTapProxy(server.port);
});

afterAll(async () => {
  delete process.env['CHATMSG_E2E_KEYLOG'];
  for (const c of clients) c.process.kill();
  await tap?.close();
  await server?.stop();
  await ws?.remove();
});

describe('end-to-end encrypted direct messages (real server, real clients, tapped wire)', () => {
  it('Alice and Bob exchange messages that neither the wire, the server log nor the registry can read', async () => {
    const bob = client('bob', tap.port);
    bob.say('/register bob');
    await bob.waitFor(/< OK PREKEY/);
    const alice = client('alice', tap.port);
    alice.say('/register alice');
    await alice.waitFor(/< OK PREKEY/);

    alice.say(`/e bob ${SECRET_TO_BOB}`);
    await alice.waitFor(/\* first contact with bob: pinned/);
    await alice.waitFor(/< OK EMSG bob/);
    expect(await bob.waitFor(/\* e2e from alice #1: /)).toMatch(new RegExp(`e2e from alice #1: ${SECRET_TO_BOB}$`));
    bob.say(`/e alice ${SECRET_TO_ALICE}`);
    expect(await alice.waitFor(/\* e2e from bob #1: /)).toMatch(new RegExp(`${SECRET_TO_ALICE}$`));

    // Both sides see the same safety number.
    alice.say('/safety bob');
    bob.say('/safety alice');
    const numberOf = (line: string) => /safety number with \w+: ([\d ]+) \(/.exec(line)![1];
    expect(numberOf(await alice.waitFor(/safety number with bob/))).toBe(numberOf(await bob.waitFor(/safety number with alice/)));

    const wire = tap.bytes();
    const log = server.log();
    const registry = await readFile(ws.path('registry.json'));
    // The session keys, from the clients' debugging key log: one line per session, written by
    // the sender when it starts it and by the recipient when it accepts it.
    const keyLog = await readFile(ws.path('e2e-keys.log'), 'utf8');
    const sessions = keyLog.trim().split('\n').map((line) => line.split(' '));
    expect(sessions.map((fields) => fields.slice(0, 3).join(' ')).sort()).toEqual(['E2E alice bob', 'E2E alice bob', 'E2E bob alice', 'E2E bob alice']);
    const keys = sessions.map((fields) => fields[4]!);

    // The key log is genuine: the key logged for the ephemeral key that starts the payload the
    // tap saw Alice send opens it.
    const emsg = /EMSG bob 1 (\S+)\n/.exec(wire.toString('latin1'))!;
    const { ephemeral, sealed } = decodePayload(emsg[1]!)!;
    const session = sessions.find((fields) => fields[1] === 'alice' && fields[3] === ephemeral.toString('hex'))!;
    const opened = openSealed(Buffer.from(session[4]!, 'hex'), { from: 'alice', to: 'bob', counter: 1 }, sealed);
    expect(opened?.toString()).toBe(SECRET_TO_BOB);

    for (const [what, haystack] of [['wire', wire], ['server log', Buffer.from(log)], ['registry', registry]] as const) {
      for (const secret of [SECRET_TO_BOB, SECRET_TO_ALICE, 'vault code']) {
        expect(haystack.includes(secret), `${what} contains the plaintext "${secret}"`).toBe(false);
      }
      for (const key of keys) {
        const raw = Buffer.from(key, 'hex');
        for (const form of [raw, Buffer.from(key), Buffer.from(raw.toString('base64'))]) {
          expect(haystack.includes(form), `${what} contains a session key`).toBe(false);
        }
      }
    }
    // What the server does log: who sent an encrypted message to whom, and nothing of it.
    expect(log).toMatch(/alice EMSG bob #1/);
    expect(await alice.end()).toBe(0);
    expect(await bob.end()).toBe(0);
  });
});

describe('encrypted broadcast by pairwise fan-out', () => {
  it('reaches every registered client under its own keys, and says who could not be reached', async () => {
    const frank = client('frank', server.port);
    frank.say('/register frank');
    await frank.waitFor(/< OK PREKEY/);
    const gina = startClient(server.port, ['--id', 'gina']);
    clients.push(gina);
    await gina.waitFor(/< OK LOGIN gina/);
    const erin = client('erin', tap.port);
    erin.say('/register erin');
    await erin.waitFor(/< OK PREKEY/);
    erin.say('/eall fire drill at three');
    await erin.waitFor(/e2e to all: encrypting separately for 2 client\(s\): (frank gina|gina frank)/);
    await frank.waitFor(/\* e2e from erin #1: fire drill at three$/);
    await erin.waitFor(/cannot use gina's keys: 424 .*not sent|refusing to send to gina|not sent: fire drill/);
    expect(gina.lines.join('\n')).not.toMatch(/fire drill/);
    // Erin spoke through the tap: only ciphertext crossed it.
    expect(tap.bytes().includes('fire drill')).toBe(false);
    expect(tap.bytes().toString('latin1')).toMatch(/EMSG frank 1 /);
  });
});

describe('the recipient rejects, visibly, what a man in the middle does to EMSG', () => {
  it('modified ciphertext, replayed PDU and reordered PDU', async () => {
    let held: string | undefined;
    const mitm = await startTapProxy(server.port, (line) => {
      const m = /^EMSG (\S+) (\S+) (\d+) (\S+)$/.exec(line);
      if (m === null) return [line];
      const [, from, to, counter, payload] = m as unknown as [string, string, string, string, string];
      const bytes = Buffer.from(payload, 'base64');
      bytes[0]! ^= 0x20;
      switch (counter) {
        case '1':
          return [`EMSG ${from} ${to} ${counter} ${bytes.toString('base64')}`, line];
        case '2':
          return [line, line];
        case '3':
          held = line;
          return [];
        case '4':
          return [line, held!];
        default:
          return [line];
      }
    });
    try {
      const carol = client('carol', mitm.port);
      carol.say('/register carol');
      await carol.waitFor(/< OK PREKEY/);
      const dave = client('dave', server.port);
      dave.say('/register dave');
      await dave.waitFor(/< OK PREKEY/);
      for (const text of ['one', 'two', 'three', 'four', 'five']) dave.say(`/e carol ${text}`);
      await dave.waitFor(/e2e to carol #5/);

      expect(await carol.waitFor(/REJECTED e2e message from dave: message failed authentication/)).toMatch(/counter 1/);
      await carol.waitFor(/\* e2e from dave #1: one$/);
      await carol.waitFor(/\* e2e from dave #2: two$/);
      expect(await carol.waitFor(/REJECTED e2e message from dave: replayed/)).toMatch(/counter 2, already at 2/);
      // #4 overtook #3: #4 is shown with a warning that one is missing, then #3 is refused.
      await carol.waitFor(/WARNING: 1 e2e message\(s\) from dave missing before #4/);
      await carol.waitFor(/\* e2e from dave #4: four$/);
      expect(await carol.waitFor(/REJECTED e2e message from dave: out-of-order/)).toMatch(/counter 3, already at 4/);
      await carol.waitFor(/\* e2e from dave #5: five$/);
      const accepted = carol.lines.filter((line) => line.includes('* e2e from dave'));
      expect(accepted.map((line) => line.replace(/^.* #/, '#'))).toEqual(['#1: one', '#2: two', '#4: four', '#5: five']);
      await carol.waitForStderr(/REJECTED/);
    } finally {
      await mitm.close();
    }
  });
});
