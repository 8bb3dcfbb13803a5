import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { proofSignedData } from '../../src/crypto/challenge.js';
import { IdentityKey } from '../../src/crypto/identity.js';
import { createPrekey, prekeySignedData } from '../../src/crypto/prekey.js';
import { parseServerLine } from '../../src/protocol/index.js';
import { RegistrationLimiter } from '../../src/server/registration-limiter.js';
import { Registry } from '../../src/server/registry.js';
import { encode, LOW_ORDER_U, NON_CANONICAL_SMALL_ORDER, SMALL_ORDER_POINTS } from '../crypto/small-order.js';
import { tempDirEach } from '../helpers/temp-dir.js';
import { prove, registered, settle, world, type Client } from './helpers/secure-world.js';

const b64 = (bytes: Buffer) => bytes.toString('base64');
/** R = identity, S = 0. */
const IDENTITY_SIGNATURE = b64(Buffer.concat([encode(1n), Buffer.alloc(32)]));

describe('weak keys', () => {
  it("refuses the issue's attack: REGISTER weakid with the identity point, then R = identity, S = 0", async () => {
    const w = world();
    const attacker = w.connect();
    attacker.say(`REGISTER weakid ${b64(encode(1n))}`);
    attacker.say(`PROVE ${IDENTITY_SIGNATURE}`);
    await settle();
    expect(attacker.link.take()).toEqual([
      'ERR 425 key refused: small order or not in canonical encoding: identity-key: small order',
      expect.stringMatching(/^ERR 421 .*no challenge pending/),
    ]);
    expect(w.registry.get('weakid')).toBeUndefined();
    attacker.say('LOGIN weakid');
    expect(attacker.link.take()).toEqual(['OK LOGIN weakid']);
  });

  it('refuses every small-order identity key and every non-canonical encoding at REGISTER with ERR 425', () => {
    const w = world();
    const client = w.connect();
    for (const { name, bytes } of [...SMALL_ORDER_POINTS, ...NON_CANONICAL_SMALL_ORDER]) {
      client.say(`REGISTER weak ${b64(bytes)}`);
      expect(client.link.take(), name).toEqual([expect.stringMatching(/^ERR 425 .*identity-key: (small order|non-canonical encoding)$/)]);
    }
    expect(w.directory.reservationCount).toBe(0);
  });

  it('a weak key already in a registry file (written before this check) never logs in with the forged proof', async () => {
    const registry = Registry.inMemory();
    await registry.register('weakid', b64(encode(1n)));
    const w = world({ registry });
    const attacker = w.connect();
    attacker.say('AUTH weakid');
    expect(parseServerLine(attacker.link.take()[0]!).kind).toBe('CHALLENGE');
    attacker.say(`PROVE ${IDENTITY_SIGNATURE}`);
    expect(attacker.link.take()).toEqual([expect.stringMatching(/^ERR 421 /)]);
    expect(attacker.session.state).toBe('connected');
  });

  it('refuses low-order, all-zero and non-canonical X25519 prekeys at PREKEY, even when signed by the owner', async () => {
    const w = world();
    const alice = await registered(w, 'alice');
    for (const { name, bytes } of LOW_ORDER_U) {
      const signature = alice.key.sign(prekeySignedData('alice', bytes));
      alice.say(`PREKEY ${b64(bytes)} ${signature}`);
      expect(alice.link.take(), name).toEqual([expect.stringMatching(/^ERR 425 .*prekey: (small order|non-canonical encoding)$/)]);
    }
    // The genuine prekey published before stays the one handed out.
    const bob = await registered(w, 'bob');
    bob.link.take();
    bob.say('KEYS alice');
    expect(bob.link.take()).toEqual([expect.stringContaining(alice.prekey.publicKey)]);
  });
});

describe('REGISTER reserves the id until PROVE or disconnect', () => {
  it("refuses the issue's interleaving: REGISTER dave; LOGIN dave from another connection; PROVE", async () => {
    const w = world();
    const key = IdentityKey.generate();
    const owner = w.connect();
    owner.say(`REGISTER dave ${key.publicKey}`);
    const squatter = w.connect();
    squatter.say('LOGIN dave');
    expect(squatter.link.take()).toEqual(['ERR 409 id already online: dave is being registered']);
    squatter.say(`REGISTER DAVE ${IdentityKey.generate().publicKey}`);
    expect(squatter.link.take()).toEqual(['ERR 409 id already online: DAVE is being registered']);
    prove(owner, 'REGISTER', 'dave', key);
    await settle();
    expect(owner.link.take()).toEqual(['OK REGISTER dave']);
    expect(w.router.find('dave')).toBe(owner.session.member);
    squatter.say('LOGIN dave');
    expect(squatter.link.take()).toEqual([expect.stringMatching(/^ERR 420 /)]);
    expect(w.directory.reservationCount).toBe(0);
  });

  it('frees the id when the registrant disconnects, fails its proof, or starts another REGISTER', async () => {
    const w = world();
    const key = IdentityKey.generate();
    const first = w.connect();
    first.say(`REGISTER erin ${key.publicKey}`);
    first.session.closed('peer closed');
    const other = w.connect();
    other.say('LOGIN erin');
    expect(other.link.take()).toEqual(['OK LOGIN erin']);
    other.say('LOGOFF erin');
    other.session.closed('closed by server');

    const second = w.connect();
    second.say(`REGISTER erin ${key.publicKey}`);
    second.link.take();
    second.say(`PROVE ${IDENTITY_SIGNATURE}`);
    expect(second.link.take()).toEqual([expect.stringMatching(/^ERR 421 /)]);
    expect(w.directory.reservationCount).toBe(0);

    second.say(`REGISTER erin ${key.publicKey}`);
    second.say(`REGISTER fred ${key.publicKey}`);
    expect(w.directory.reservedBy('erin')).toBeUndefined();
    expect(w.directory.reservedBy('fred')).toBe(second.session);
  });

  it('PROVE checks again before writing: the cap reached since REGISTER refuses the write', async () => {
    const registry = Registry.inMemory();
    const w = world({ registry, maxRegistered: 1 });
    const key = IdentityKey.generate();
    const late = w.connect();
    late.say(`REGISTER late ${key.publicKey}`);
    // The id passed its checks; the registry fills up behind its back (another server process's file, an operator).
    await registry.register('x1', IdentityKey.generate().publicKey);
    prove(late, 'REGISTER', 'late', key);
    await settle();
    expect(late.link.take()).toEqual(['ERR 508 the registry is full: no new ids: 1 ids']);
    expect(registry.get('late')).toBeUndefined();
  });
});

describe('registration bounds', () => {
  it('caps the registry at --max-registered, counting ids being registered', async () => {
    const w = world({ maxRegistered: 2 });
    await registered(w, 'a1');
    const key = IdentityKey.generate();
    const pending = w.connect();
    pending.say(`REGISTER a2 ${key.publicKey}`);
    const third = w.connect();
    third.say(`REGISTER a3 ${IdentityKey.generate().publicKey}`);
    expect(third.link.take()).toEqual(['ERR 508 the registry is full: no new ids: 2 ids']);
    prove(pending, 'REGISTER', 'a2', key);
    await settle();
    expect(pending.link.take()).toEqual(['OK REGISTER a2']);
    expect(w.registry.size).toBe(2);
    // Plain LOGIN of unregistered ids is not affected.
    third.say('LOGIN a3');
    expect(third.link.take()).toEqual(['OK LOGIN a3']);
  });

  it('limits registrations per address across connections, per /64 for IPv6', async () => {
    let now = 0;
    const w = world({ limiter: new RegistrationLimiter(2, () => now) });
    const register = async (address: string, id: string) => {
      const key = IdentityKey.generate();
      const client = w.connect(address);
      client.say(`REGISTER ${id} ${key.publicKey}`);
      const [line] = client.link.peek();
      if (line?.startsWith('CHALLENGE')) prove(client, 'REGISTER', id, key);
      await settle();
      return client.link.take().at(-1);
    };
    expect(await register('10.0.0.1', 'u1')).toBe('OK REGISTER u1');
    expect(await register('10.0.0.1', 'u2')).toBe('OK REGISTER u2');
    expect(await register('10.0.0.1', 'u3')).toBe('ERR 427 too many registrations from your address, try later');
    expect(await register('10.0.0.2', 'u3')).toBe('OK REGISTER u3');
    expect(await register('[2001:db8:1:2::1]', 'v1')).toBe('OK REGISTER v1');
    expect(await register('[2001:db8:1:2:ffff::9]', 'v2')).toBe('OK REGISTER v2');
    expect(await register('[2001:db8:1:2::abcd]', 'v3')).toBe('ERR 427 too many registrations from your address, try later');
    expect(await register('[2001:db8:1:3::1]', 'v3')).toBe('OK REGISTER v3');
    // Half an hour later, one more (the bucket refills over the hour).
    now += 30 * 60 * 1000;
    expect(await register('10.0.0.1', 'u4')).toBe('OK REGISTER u4');
    expect(await register('10.0.0.1', 'u5')).toBe('ERR 427 too many registrations from your address, try later');
  });
});

describe('prekeys follow their session', () => {
  it('drops the prekey of every session that ends: 200 logins and disconnects leave nothing behind', async () => {
    const w = world();
    const key = IdentityKey.generate();
    const first = await registered(w, 'roamer', key);
    first.session.closed('peer closed');
    expect(w.directory.prekeyCount).toBe(0);
    for (let i = 0; i < 200; i++) {
      const client = w.connect();
      client.say('AUTH roamer');
      prove(client, 'AUTH', 'roamer', key);
      const prekey = createPrekey(key, 'roamer');
      client.say(`PREKEY ${prekey.publicKey} ${prekey.signature}`);
      expect(client.link.take()).toEqual(['OK AUTH roamer', 'OK PREKEY']);
      expect(w.directory.prekeyCount).toBe(1);
      client.session.closed(i % 2 === 0 ? 'peer closed' : 'reset (ECONNRESET)');
      expect(w.directory.prekeyCount).toBe(0);
    }
  });
});

describe('server-side state follows sessions (property over random sequences)', () => {
  type Step =
    | { kind: 'register' | 'login' | 'auth'; client: number; id: number }
    | { kind: 'prove'; client: number; good: boolean }
    | { kind: 'prekey' | 'close' | 'logoff'; client: number };
  const CLIENTS = 4;
  const IDS = ['ann', 'ben', 'cat'];
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constantFrom('register' as const, 'login' as const, 'auth' as const), client: fc.nat(CLIENTS - 1), id: fc.nat(IDS.length - 1) }),
    fc.record({ kind: fc.constant('prove' as const), client: fc.nat(CLIENTS - 1), good: fc.boolean() }),
    fc.record({ kind: fc.constantFrom('prekey' as const, 'close' as const, 'logoff' as const), client: fc.nat(CLIENTS - 1) }),
  );

  it('a registered id is never online without its key, prekeys and reservations never outlive their session, the cap holds', async () => {
    const keys = IDS.map(() => IdentityKey.generate());
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const w = world({ maxRegistered: 2 });
        const clients: (Client & { pending?: { purpose: 'REGISTER' | 'AUTH'; id: number } })[] = Array.from({ length: CLIENTS }, () => w.connect());
        const authenticated = new Set<Client['session']>();
        for (const s of steps) {
          const c = clients[s.client]!;
          if (c.session.state === 'closed') clients[s.client] = w.connect();
          const client = clients[s.client]!;
          switch (s.kind) {
            case 'register':
              client.say(`REGISTER ${IDS[s.id]} ${keys[s.id]!.publicKey}`);
              client.pending = { purpose: 'REGISTER', id: s.id };
              break;
            case 'auth':
              client.say(`AUTH ${IDS[s.id]}`);
              client.pending = { purpose: 'AUTH', id: s.id };
              break;
            case 'login':
              client.say(`LOGIN ${IDS[s.id]}`);
              break;
            case 'prove': {
              const challenge = client.link.sent.map((line) => parseServerLine(line)).findLast((pdu) => pdu.kind === 'CHALLENGE');
              const pending = client.pending;
              if (challenge?.kind === 'CHALLENGE' && pending !== undefined && s.good) {
                const id = IDS[pending.id]!;
                const key = keys[pending.id]!;
                const data = proofSignedData({ purpose: pending.purpose, realm: challenge.realm, id, identityKey: key.publicKey, challenge: challenge.challenge, channelBinding: '' });
                client.say(`PROVE ${key.sign(data)}`);
              } else {
                client.say(`PROVE ${IDENTITY_SIGNATURE}`);
              }
              break;
            }
            case 'prekey': {
              const id = client.session.id;
              const index = id === undefined ? 0 : IDS.indexOf(id);
              const prekey = createPrekey(keys[index]!, IDS[index]!);
              client.say(`PREKEY ${prekey.publicKey} ${prekey.signature}`);
              break;
            }
            case 'logoff':
              client.say(`LOGOFF ${client.session.id ?? 'nobody'}`);
              if (client.session.state === 'closed') client.session.closed('closed by server');
              break;
            case 'close':
              client.session.closed('peer closed');
              break;
          }
          await settle();
          for (const cl of clients) {
            if (cl.link.sent.some((line) => /^OK (AUTH|REGISTER) /.test(line))) authenticated.add(cl.session);
          }
          const open = clients.filter((cl) => cl.session.state !== 'closed');
          // Invariants after every step.
          for (const cl of open) {
            const id = cl.session.id;
            if (id !== undefined && w.registry.get(id) !== undefined) expect(authenticated.has(cl.session), `${id} online without its key`).toBe(true);
          }
          expect(w.directory.prekeyCount).toBeLessThanOrEqual(open.filter((cl) => cl.session.state === 'logged-in').length);
          expect(w.directory.reservationCount).toBeLessThanOrEqual(open.filter((cl) => cl.session.state === 'connected').length);
          // A reservation is held only by a connection still logged out (one that can still PROVE).
          for (const id of IDS) {
            const holder = w.directory.reservedBy(id) as Client['session'] | undefined;
            if (holder !== undefined) expect(holder.state, `${id} reserved by a ${holder.state} session`).toBe('connected');
          }
          expect(w.registry.size).toBeLessThanOrEqual(2);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('a registration written while the connection goes on', () => {
  const temp = tempDirEach('chatmsg-guards-');
  const challenged = expect.stringMatching(/^CHALLENGE /);
  /** A connection that proves REGISTER first and, while that is written, sends REGISTER second. */
  const secondWhileFirstIsWritten = (registry: Registry) => {
    const w = world({ registry });
    const key = IdentityKey.generate();
    const client = w.connect();
    client.say(`REGISTER first ${key.publicKey}`);
    prove(client, 'REGISTER', 'first', key);
    client.say(`REGISTER second ${key.publicKey}`);
    return { w, client };
  };

  it('a failed write ends its own reservation, not that of a REGISTER sent meanwhile', async () => {
    const registry = await Registry.open(temp.path('registry.json'));
    // The journal's file is gone: the write fails like a full disk.
    await registry.close();
    const { w, client } = secondWhileFirstIsWritten(registry);
    for (let i = 0; i < 5; i++) await settle();
    expect(client.link.take()).toEqual([challenged, 'ERR 507 the server could not save the registry, try again']);
    expect(w.directory.reservedBy('first')).toBeUndefined();
    expect(w.directory.reservedBy('second')).toBe(client.session);
  });

  it('an id being written counts once toward the cap', async () => {
    const registry = await Registry.open(temp.path('registry.json'));
    const w = world({ registry, maxRegistered: 2 });
    const key = IdentityKey.generate();
    const writer = w.connect();
    writer.say(`REGISTER a1 ${key.publicKey}`);
    prove(writer, 'REGISTER', 'a1', key);
    const next = w.connect();
    next.say(`REGISTER a2 ${key.publicKey}`);
    expect(next.link.take()).toEqual([challenged]);
    const third = w.connect();
    third.say(`REGISTER a3 ${key.publicKey}`);
    expect(third.link.take()).toEqual(['ERR 508 the registry is full: no new ids: 2 ids']);
    await registry.close();
  });

  it('an AUTH that logs the connection in while its registration is written: the registration ends with ERR 409, not a second login', async () => {
    const registry = await Registry.open(temp.path('registry.json'));
    const bobKey = IdentityKey.generate();
    await registry.register('bob', bobKey.publicKey);
    const w = world({ registry });
    const key = IdentityKey.generate();
    const client = w.connect();
    client.say(`REGISTER first ${key.publicKey}`);
    prove(client, 'REGISTER', 'first', key);
    client.say('AUTH bob');
    prove(client, 'AUTH', 'bob', bobKey);
    expect(client.link.take()).toEqual(['OK AUTH bob']);
    await registry.close();
    for (let i = 0; i < 5; i++) await settle();
    expect(client.link.take()).toEqual(['ERR 409 id already online: this connection is already logged in as bob']);
    expect(w.router.ids()).toEqual(['bob']);
    expect(registry.get('first')).toBeDefined();
    expect(w.directory.reservationCount).toBe(0);
  });

  it('a write that succeeds logs the connection in and frees the id it asked for meanwhile', async () => {
    const registry = await Registry.open(temp.path('registry.json'));
    const { w, client } = secondWhileFirstIsWritten(registry);
    expect(w.directory.reservedBy('second')).toBe(client.session);
    // Registered in memory, not yet on disk: the key holder's other connection cannot AUTH yet.
    const early = w.connect();
    early.say('AUTH first');
    expect(early.link.take()).toEqual(['ERR 409 id already online: first is being registered']);
    await registry.close();
    for (let i = 0; i < 5; i++) await settle();
    expect(client.link.take()).toEqual([challenged, 'OK REGISTER first']);
    expect(w.directory.reservationCount).toBe(0);
    const other = w.connect();
    other.say('LOGIN second');
    expect(other.link.take()).toEqual(['OK LOGIN second']);
  });
});
