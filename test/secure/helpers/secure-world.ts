import { expect } from 'vitest';
import { proofSignedData } from '../../../src/crypto/challenge.js';
import { IdentityKey } from '../../../src/crypto/identity.js';
import { createPrekey } from '../../../src/crypto/prekey.js';
import { parseRequest, parseServerLine } from '../../../src/protocol/index.js';
import { KeyDirectory } from '../../../src/server/key-directory.js';
import { Logger } from '../../../src/server/logger.js';
import { Registry } from '../../../src/server/registry.js';
import { Router } from '../../../src/server/router.js';
import { secureVerbs, type SecureOptions } from '../../../src/server/secure-verbs.js';
import { Session, type SessionLink } from '../../../src/server/session.js';

/** Sessions of the secure extension on fake links: what a test says, what each client got. */
export class FakeLink implements SessionLink {
  readonly sent: string[] = [];
  constructor(readonly peer: string) {}
  send(data: string | Buffer): boolean {
    this.sent.push(data.toString().replace(/\n$/, ''));
    return true;
  }
  close(): void {}
  loggedIn(): void {}
  take(): string[] {
    return this.sent.splice(0);
  }
  peek(): string[] {
    return [...this.sent];
  }
}

export const REALM = 'test-realm';

export function world(options: Partial<SecureOptions> = {}) {
  const registry = options.registry ?? Registry.inMemory();
  const router = new Router();
  const log: string[] = [];
  const logger = new Logger({ logText: true, write: (line) => log.push(line) });
  const directory = new KeyDirectory();
  const verbs = secureVerbs({ registry, realm: REALM, directory, ...options });
  let port = 1;
  const connect = (address = '127.0.0.1') => {
    const link = new FakeLink(`${address}:${port++}`);
    const session = new Session({ link, router, logger, verbs });
    session.open('test');
    link.take();
    const say = (line: string) => session.receive(parseRequest(Buffer.from(line)));
    return { link, session, say };
  };
  return { registry, router, directory, log, connect };
}

export type Client = ReturnType<ReturnType<typeof world>['connect']>;

/** Answers the CHALLENGE the client just got, signing with `key`. */
export function prove(client: Client, purpose: 'REGISTER' | 'AUTH', id: string, key: IdentityKey, claimedKey = key.publicKey): void {
  const [line] = client.link.take();
  const pdu = parseServerLine(line!);
  if (pdu.kind !== 'CHALLENGE') throw new Error(`expected CHALLENGE, got ${line}`);
  expect(pdu).toMatchObject({ realm: REALM, binding: 'none' });
  const data = proofSignedData({ purpose, realm: pdu.realm, id, identityKey: claimedKey, challenge: pdu.challenge, channelBinding: '' });
  client.say(`PROVE ${key.sign(data)}`);
}

export const settle = () => new Promise((resolve) => setImmediate(resolve));

export async function registered(w: ReturnType<typeof world>, id: string, key = IdentityKey.generate()) {
  const client = w.connect();
  client.say(`REGISTER ${id} ${key.publicKey}`);
  prove(client, 'REGISTER', id, key);
  await settle();
  expect(client.link.take()).toEqual([`OK REGISTER ${id}`]);
  const prekey = createPrekey(key, id);
  client.say(`PREKEY ${prekey.publicKey} ${prekey.signature}`);
  expect(client.link.take()).toEqual(['OK PREKEY']);
  return { ...client, key, prekey };
}

