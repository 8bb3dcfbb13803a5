import { proofSignedData } from '../crypto/challenge.js';
import type { IdentityKey } from '../crypto/identity.js';
import { InboundSessions } from '../crypto/inbound-sessions.js';
import { loadOrCreateIdentity } from '../crypto/key-file.js';
import { OutboundSession, type VerifiedPeer } from '../crypto/outbound-session.js';
import { PinStore } from '../crypto/pin-store.js';
import { createPrekey, verifyPeerKeys, type Prekey } from '../crypto/prekey.js';
import { RealmPins } from '../crypto/realm-pins.js';
import { LowOrderKeyError } from '../crypto/x25519.js';
import { fingerprint, safetyNumber } from '../crypto/safety-number.js';
import { appendSessionKey, sessionKeyLogLine } from '../crypto/session-key-log.js';
import { clientIdKey, isValidClientId, parseCounter, parseServerLine } from '../protocol/index.js';
import { ReplyTracker, type RequestTag } from './reply-tracker.js';

type LoginTag = Extract<RequestTag, { kind: 'login' }>;

/** What the secure layer needs from the client around it. */
export interface SecureChatIo {
  /** Sends a protocol line (the connection prints it as sent). */
  send(line: string): void;
  /** A local notice for the user. */
  notice(text: string): void;
  /** A loud warning: shown as a notice and on stderr. */
  warn(text: string): void;
  /** The connection's TLS channel binding (base64), '' on plain TCP. */
  channelBinding(): string;
}

export interface SecureChatOptions {
  /** The server as the user named it, host:port: the key of its realm pin. */
  server: string;
  /** Identity key file (--key); a slash command may name another. */
  keyFile?: string | undefined;
  /** Pin file (--pins); default: next to the key file, `<key>.pins.json`. */
  pinsFile?: string | undefined;
  /** Realm pin file (--realms); default: next to the key file, `<key>.realms.json`. */
  realmsFile?: string | undefined;
  /** Pin realms for this run only (--realms-in-memory): for scripted labs whose server gets a new port each run. */
  realmsInMemory?: boolean | undefined;
  /** Never prove a login outside TLS (--require-tls). */
  requireTls?: boolean | undefined;
  /**
   * Debugging and tests only (CHATMSG_E2E_KEYLOG): appends `E2E <from> <to> <ephemeral> <key>`
   * (hex) for each session started or accepted, like TLS's key log. Anyone holding it reads the messages.
   */
  sessionKeyLogFile?: string | undefined;
}

export const SLASH_HELP = [
  '/register <id> [key-file]   register <id> with your identity key (created on first use) and log in',
  '/auth <id> [key-file]       log in as a registered <id> by signing the server challenge',
  '/e <id> <text>              send <text> end-to-end encrypted to <id> (also /emsg)',
  '/eall <text>                encrypted broadcast: one /e to every other online client',
  '/safety <id>                show the safety number to compare with <id> by voice',
  '/forget <id>                forget <id>\'s pinned key (only after comparing safety numbers!)',
  '/forget-realm <realm>       forget which server announced <realm> (only if that server really moved!)',
  '/whoami                     your id and key fingerprint',
].join('\n');

/** A peer whose keys were verified since it last (re)joined; `outbound` is what we send it. */
interface Peer {
  keys: VerifiedPeer;
  outbound: OutboundSession | undefined;
}

/** Bounds what a server can make us hold while a KEYS reply is outstanding. */
const MAX_HELD_PER_PEER = 256;

/** Incoming EMSG kept until the sender's keys are verified. */
interface Held {
  counter: string;
  payload: string;
}

/**
 * The client side of the secure extension: slash commands, the challenge-response login,
 * prekey publication, key lookup with signature check and pinning, and encryption and
 * decryption of EMSG. Plain protocol lines pass it untouched.
 */
export class SecureChat {
  readonly #io: SecureChatIo;
  readonly #options: SecureChatOptions;
  readonly #replies = new ReplyTracker();
  readonly #peers = new Map<string, Peer>();
  /** Texts typed for a peer whose keys are being fetched. */
  readonly #outbox = new Map<string, string[]>();
  /** Messages from a peer whose keys are being fetched. */
  readonly #inbox = new Map<string, Held[]>();
  #identity: IdentityKey | undefined;
  #pins: PinStore | undefined;
  #pinsPath: string | undefined;
  #realms: RealmPins | undefined;
  #realmsPath: string | undefined;
  #ownId: string | undefined;
  #prekey: Prekey | undefined;
  /** Receive state of the current prekey: lives as long as it, whatever the server says. */
  #inbound: InboundSessions | undefined;
  #ready = false;
  #commandsRunning = 0;
  /** Ids whose KEYS reply is being checked. */
  readonly #verifying = new Set<string>();

  constructor(options: SecureChatOptions, io: SecureChatIo) {
    this.#options = options;
    this.#io = io;
  }

  /** A line typed by the user: true when it was a slash command (handled here, not sent as is). */
  command(line: string): boolean {
    if (!line.startsWith('/')) return false;
    this.#background(this.#command(line), (error) => this.#io.notice(`${line.split(' ')[0]}: ${error.message}`));
    return true;
  }

  /** Work that busy() waits for, with its failure reported. */
  #background(work: Promise<void>, failed: (error: Error) => void): void {
    this.#commandsRunning++;
    void work.catch(failed).finally(() => this.#commandsRunning--);
  }

  /** True while a command, a login or a key lookup is under way, or messages wait for keys. */
  busy(): boolean {
    return this.#commandsRunning > 0 || this.#verifying.size > 0 || this.#outbox.size > 0 || this.#inbox.size > 0 || this.#replies.pending(() => true);
  }

  /** Every line written to the server, in order (for matching replies). */
  sent(line: string): void {
    this.#replies.sent(line);
  }

  /** Every line received from the server. */
  received(line: string): void {
    const pdu = parseServerLine(line);
    const request = this.#replies.received(pdu);
    switch (pdu.kind) {
      case 'CHALLENGE':
        if (request?.tag?.kind === 'login') {
          const tag = request.tag;
          this.#background(this.#prove(tag, pdu.challenge, pdu.realm, pdu.binding), (error) => this.#io.warn(`WARNING: not proving the ${tag.purpose} challenge: ${error.message}`));
        }
        return;
      case 'OK':
        if (request?.tag?.kind === 'login' && (pdu.verb === 'REGISTER' || pdu.verb === 'AUTH')) this.#loggedIn(pdu.args[0] ?? request.tag.id);
        else if (pdu.verb === 'PREKEY') this.#publishedPrekey();
        else if (pdu.verb === 'LIST' && request?.tag?.kind === 'fan-out') this.#fanOut(pdu.args.slice(1), request.tag.text);
        else if (pdu.verb === 'KEYS' && request?.tag?.kind === 'keys') this.#verify(request.tag.id, pdu.args);
        return;
      case 'ERR':
        if (request?.tag?.kind === 'keys') this.#keysFailed(request.tag.id, `${pdu.code} ${pdu.reason}`);
        return;
      case 'EMSG':
        this.#receivedEmsg(pdu.from, pdu.counter, pdu.payload);
        return;
      case 'JOINED':
      case 'LEFT':
        // A new login of that id comes with a new prekey: fetch it before the next send. What
        // we received stays in #inbound (a replay after a LEFT is still a replay), and the next
        // outbound session has a fresh ephemeral key, so nothing is reused whoever sent this line.
        this.#peers.delete(clientIdKey(pdu.id));
        return;
      default:
        return;
    }
  }

  async #command(line: string): Promise<void> {
    const [name = '', ...args] = line.slice(1).split(' ').filter((word) => word !== '');
    switch (name.toLowerCase()) {
      case 'register':
      case 'auth': {
        const id = this.#idArgument(args[0], `/${name} <id> [key-file]`);
        await this.#useIdentity(args[1]);
        const purpose = name.toLowerCase() === 'register' ? 'REGISTER' : 'AUTH';
        this.#sendTagged(purpose === 'REGISTER' ? `REGISTER ${id} ${this.#identity!.publicKey}` : `AUTH ${id}`, { kind: 'login', purpose, id });
        return;
      }
      case 'e':
      case 'emsg': {
        const match = /^\/\S+ +(\S+) (.*\S.*)$/.exec(line);
        if (match === null) throw new Error('usage: /e <id> <text>');
        this.#sendEncrypted(this.#idArgument(match[1], '/e <id> <text>'), match[2]!);
        return;
      }
      case 'safety': {
        const id = this.#idArgument(args[0], '/safety <id>');
        const pin = (await this.#pinStore()).get(id);
        if (this.#identity === undefined || this.#ownId === undefined || pin === undefined) {
          throw new Error(`no pinned key for ${id} yet (send or receive an encrypted message first)`);
        }
        const number = safetyNumber({ id: this.#ownId, identityKey: this.#identity.publicKey }, pin);
        this.#io.notice(`safety number with ${pin.id}: ${number} (compare by voice; equal on both sides = no man in the middle)`);
        return;
      }
      case 'forget': {
        const id = this.#idArgument(args[0], '/forget <id>');
        const removed = (await this.#pinStore()).forget(id);
        this.#peers.delete(clientIdKey(id));
        this.#io.notice((await removed) ? `forgot ${id}'s pinned key; the next key seen for ${id} will be pinned` : `no pin for ${id}`);
        return;
      }
      case 'forget-realm': {
        const realm = args[0];
        if (realm === undefined) throw new Error('usage: /forget-realm <realm>');
        const removed = await (await this.#realmPins()).forget(realm);
        this.#io.notice(removed > 0 ? `forgot realm ${realm} (${removed} server(s)); the next server announcing it will be pinned` : `no server pinned to realm ${realm}`);
        return;
      }
      case 'eall': {
        const match = /^\/\S+ +(.*\S.*)$/.exec(line);
        if (match === null) throw new Error('usage: /eall <text>');
        if (this.#ownId === undefined) throw new Error('log in with /register or /auth first');
        // Pairwise fan-out: one EMSG per online id, each under that pair's keys.
        this.#sendTagged('LIST', { kind: 'fan-out', text: match[1]! });
        return;
      }
      case 'whoami':
        if (this.#identity === undefined) throw new Error('no identity key loaded yet (/register or /auth)');
        this.#io.notice(`${this.#ownId ?? '(not logged in)'}: key fingerprint ${fingerprint(this.#ownId ?? '', this.#identity.publicKey)}`);
        return;
      case 'help':
        for (const helpLine of SLASH_HELP.split('\n')) this.#io.notice(helpLine);
        return;
      default:
        throw new Error('unknown command; /help lists them');
    }
  }

  #idArgument(id: string | undefined, usage: string): string {
    if (id === undefined) throw new Error(`usage: ${usage}`);
    if (!isValidClientId(id)) throw new Error(`bad client-id ${JSON.stringify(id)}`);
    return id;
  }

  async #useIdentity(keyFile: string | undefined): Promise<void> {
    const path = keyFile ?? this.#options.keyFile;
    if (path === undefined) throw new Error('no identity key: start the client with --key <file> or name the file after the id');
    const { key, created } = await loadOrCreateIdentity(path);
    this.#identity = key;
    this.#pins = undefined;
    this.#pinsPath = this.#options.pinsFile ?? `${path}.pins.json`;
    this.#realms = undefined;
    this.#realmsPath = this.#options.realmsInMemory ? undefined : (this.#options.realmsFile ?? `${path}.realms.json`);
    if (created) this.#io.notice(`created identity key ${path} (mode 0600)`);
  }

  async #pinStore(): Promise<PinStore> {
    if (this.#pins !== undefined) return this.#pins;
    this.#pins = this.#pinsPath === undefined ? PinStore.inMemory() : await PinStore.open(this.#pinsPath);
    return this.#pins;
  }

  async #realmPins(): Promise<RealmPins> {
    if (this.#realms !== undefined) return this.#realms;
    this.#realms = this.#realmsPath === undefined ? RealmPins.inMemory() : await RealmPins.open(this.#realmsPath);
    return this.#realms;
  }

  #sendTagged(line: string, tag: RequestTag): void {
    this.#replies.tag(line, tag);
    this.#io.send(line);
  }

  async #prove(tag: LoginTag, challenge: string, realm: string, binding: string): Promise<void> {
    const identity = this.#identity!;
    const channelBinding = this.#io.channelBinding();
    if (channelBinding !== '' && binding !== 'tls-exporter') {
      this.#io.warn(`WARNING: the server does not bind the login to our TLS connection (binding ${binding}): someone may sit in the middle. Not proving.`);
      return;
    }
    if (this.#options.requireTls && channelBinding === '') {
      this.#io.warn(`WARNING: --require-tls: this connection is not TLS, so a login proof could be relayed. Not proving.`);
      return;
    }
    if (!(await this.#realmTrusted(realm))) return;
    const signed = proofSignedData({ purpose: tag.purpose, realm, id: tag.id, identityKey: identity.publicKey, challenge, channelBinding });
    this.#io.notice(`signing the ${tag.purpose} challenge of realm ${realm}${channelBinding === '' ? '' : ' (bound to this TLS connection)'}`);
    // The reply to PROVE (OK REGISTER / OK AUTH) finishes the same login.
    this.#sendTagged(`PROVE ${identity.sign(signed)}`, tag);
  }

  /** Checks the realm against the pins (pinning it at first contact); warns loudly and says false when it must not be signed. */
  async #realmTrusted(realm: string): Promise<boolean> {
    const server = this.#options.server;
    const pins = await this.#realmPins();
    const where = pins.path ?? 'memory (--realms-in-memory)';
    const check = pins.check(server, realm);
    switch (check.status) {
      case 'match':
        return true;
      case 'new':
        await pins.pin(server, realm);
        this.#io.notice(`first login at ${server}: pinned its realm ${realm} in ${where}; check that it is the realm your server announces`);
        return true;
      case 'changed':
        this.#io.warn(
          `WARNING: ${server} announced realm ${realm}, but it announced ${check.pin.realm} when first seen (${check.pin.since}). ` +
            `A server relaying another server's login challenge looks like this. Not proving. ` +
            `Only if the server was really renamed: /forget-realm ${check.pin.realm}, then log in again.`,
        );
        return false;
      case 'elsewhere':
        this.#io.warn(
          `WARNING: realm ${realm} belongs to ${check.server} (pinned ${check.pin.since}), but this server is ${server}: ` +
            `it may be relaying ${check.server}'s login challenge to log in there as you. Not proving. ` +
            `Only if that server really moved here: /forget-realm ${realm}, then log in again.`,
        );
        return false;
    }
  }

  #loggedIn(id: string): void {
    this.#ownId = id;
    this.#prekey = createPrekey(this.#identity!, id);
    // A new prekey: messages made for the old one no longer decrypt, so its receive state can go.
    const own = { id, identity: this.#identity! };
    this.#inbound = new InboundSessions(own, this.#prekey, {
      onNewSession: (from, ephemeral, key) => this.#logSessionKey(from, id, ephemeral, key),
    });
    // Outbound sessions were made for the previous login's id and identity: start new ones.
    this.#peers.clear();
    this.#io.notice(`logged in as ${id} with key fingerprint ${fingerprint(id, this.#identity!.publicKey)}; publishing a fresh session key`);
    this.#io.send(`PREKEY ${this.#prekey.publicKey} ${this.#prekey.signature}`);
  }

  #publishedPrekey(): void {
    this.#ready = true;
    for (const id of this.#outbox.keys()) this.#requestKeys(id);
  }

  #sendEncrypted(id: string, text: string): void {
    const peer = this.#peers.get(clientIdKey(id));
    if (this.#ready && peer !== undefined) {
      const session = peer.outbound ?? this.#startSession(peer.keys, text);
      if (session === undefined) return;
      peer.outbound = session;
      const { counter, payload } = session.seal(text);
      this.#io.notice(`e2e to ${id} #${counter}: ${text}`);
      this.#io.send(`EMSG ${id} ${counter} ${payload}`);
      return;
    }
    const queue = this.#outbox.get(clientIdKey(id)) ?? [];
    queue.push(text);
    this.#outbox.set(clientIdKey(id), queue);
    if (this.#ready) this.#requestKeys(id);
    else if (this.#prekey === undefined) this.#io.notice('not logged in securely yet: the message waits for /register or /auth');
  }

  #fanOut(ids: string[], text: string): void {
    const others = ids.filter((id) => clientIdKey(id) !== clientIdKey(this.#ownId ?? ''));
    this.#io.notice(`e2e to all: encrypting separately for ${others.length} client(s): ${others.join(' ') || '(nobody else online)'}`);
    for (const id of others) this.#sendEncrypted(id, text);
  }

  #requestKeys(id: string): void {
    if (this.#verifying.has(clientIdKey(id))) return;
    if (this.#replies.pending((tag) => tag.kind === 'keys' && clientIdKey(tag.id) === clientIdKey(id))) return;
    this.#sendTagged(`KEYS ${id}`, { kind: 'keys', id });
  }

  /** Checks a KEYS reply; until that is done (pinning writes a file), no second KEYS for the id. */
  #verify(requested: string, args: string[]): void {
    const key = clientIdKey(requested);
    this.#verifying.add(key);
    void this.#gotKeys(requested, args)
      .catch((error: Error) => this.#keysFailed(requested, error.message, true))
      .finally(() => this.#verifying.delete(key));
  }

  async #gotKeys(requested: string, args: string[]): Promise<void> {
    const [id = requested, identityKey = '', prekey = '', signature = ''] = args;
    const pins = await this.#pinStore();
    const refuse = (why: string) => this.#keysFailed(id, why, true);
    if (clientIdKey(id) !== clientIdKey(requested)) return refuse(`the server answered KEYS ${requested} with keys of ${id}`);
    const verified = verifyPeerKeys({ id, identityKey, prekey, signature });
    if (!verified.ok) return refuse(`${verified.reason}: the server or someone on the path substituted keys`);
    const pin = pins.check(id, identityKey);
    if (pin.status === 'changed') {
      return refuse(
        `${id}'s identity key CHANGED since ${pin.pin.since} (pinned fingerprint ${fingerprint(id, pin.pin.identityKey)}, now ${fingerprint(id, identityKey)}). ` +
          `Someone may be impersonating ${id}. Compare safety numbers with ${id} in person, then /forget ${id} if they really made a new key`,
      );
    }
    if (pin.status === 'new') {
      await pins.pin(id, identityKey);
      this.#io.notice(`first contact with ${id}: pinned their identity key, fingerprint ${fingerprint(id, identityKey)}; compare safety numbers with /safety ${id}`);
    }
    this.#peers.set(clientIdKey(id), { keys: { id, identityKey, prekey, agreement: verified.agreement }, outbound: undefined });
    this.#flush(id);
  }

  /**
   * A new outbound session: a fresh ephemeral key, so a key never seen before. Undefined (after a
   * loud refusal of `text` and the peer's keys) when the peer's keys are low-order points.
   */
  #startSession(peer: VerifiedPeer, text: string): OutboundSession | undefined {
    let session: OutboundSession;
    try {
      session = new OutboundSession({ id: this.#ownId!, identity: this.#identity! }, peer);
    } catch (error) {
      if (!(error instanceof LowOrderKeyError)) throw error;
      this.#outbox.set(clientIdKey(peer.id), [text, ...(this.#outbox.get(clientIdKey(peer.id)) ?? [])]);
      this.#keysFailed(peer.id, `${error.message}: the server or someone on the path substituted keys`, true);
      return undefined;
    }
    this.#logSessionKey(this.#ownId!, peer.id, session.ephemeral, session.exportKey());
    return session;
  }

  #logSessionKey(from: string, to: string, ephemeral: Buffer, key: Buffer): void {
    if (this.#options.sessionKeyLogFile === undefined) return;
    appendSessionKey(this.#options.sessionKeyLogFile, sessionKeyLogLine(from, to, ephemeral, key));
  }

  #flush(id: string): void {
    const key = clientIdKey(id);
    const held = this.#inbox.get(key) ?? [];
    this.#inbox.delete(key);
    for (const message of held) this.#open(id, message);
    const texts = this.#outbox.get(key) ?? [];
    this.#outbox.delete(key);
    for (const text of texts) this.#sendEncrypted(id, text);
  }

  #keysFailed(id: string, why: string, loud = false): void {
    const key = clientIdKey(id);
    const texts = this.#outbox.get(key) ?? [];
    const held = this.#inbox.get(key) ?? [];
    this.#outbox.delete(key);
    this.#inbox.delete(key);
    this.#peers.delete(key);
    const say = loud ? (text: string) => this.#io.warn(`WARNING: ${text}`) : (text: string) => this.#io.notice(text);
    say(`cannot use ${id}'s keys: ${why}`);
    for (const text of texts) say(`refusing to send to ${id}, not sent: ${text}`);
    if (held.length > 0) say(`${held.length} encrypted message(s) from ${id} cannot be verified and were dropped`);
  }

  #receivedEmsg(from: string, counter: string, payload: string): void {
    const peer = this.#peers.get(clientIdKey(from));
    if (peer !== undefined) {
      this.#open(from, { counter, payload });
      return;
    }
    if (this.#prekey === undefined) {
      this.#io.notice(`e2e message from ${from} cannot be read: not logged in with /register or /auth`);
      return;
    }
    const held = this.#inbox.get(clientIdKey(from)) ?? [];
    if (held.length >= MAX_HELD_PER_PEER) {
      this.#io.warn(`WARNING: dropped an e2e message from ${from}: ${held.length} already wait for ${from}'s keys`);
      return;
    }
    held.push({ counter, payload });
    this.#inbox.set(clientIdKey(from), held);
    this.#requestKeys(from);
  }

  #open(from: string, { counter, payload }: Held): void {
    const peer = this.#peers.get(clientIdKey(from));
    const n = parseCounter(counter);
    const opened = peer === undefined || n === undefined || this.#inbound === undefined ? undefined : this.#inbound.open(peer.keys, n, payload);
    if (opened?.ok && opened.missing > 0) {
      this.#io.warn(`WARNING: ${opened.missing} e2e message(s) from ${from} missing before #${counter} (dropped or held back on the way)`);
    }
    if (opened?.ok) this.#io.notice(`e2e from ${from} #${counter}: ${opened.text}`);
    else this.#io.warn(`REJECTED e2e message from ${from}: ${opened?.reason ?? `bad counter ${counter}`}`);
  }
}
