import fc from 'fast-check';
import { setTimeout as sleep } from 'node:timers/promises';
import { SecureChat } from '../../../src/client/secure-chat.js';
import { IdentityKey } from '../../../src/crypto/identity.js';
import { createPrekey, type Prekey } from '../../../src/crypto/prekey.js';

/** A peer the scripted server speaks for: a real identity key and its current signed prekey. */
export class ScriptedPeer {
  readonly id: string;
  readonly identity = IdentityKey.generate();
  /** Every prekey it ever had: a malicious server may hand out an old one again. */
  readonly prekeys: Prekey[] = [];
  current: Prekey;

  constructor(id: string) {
    this.id = id;
    this.current = this.newPrekey();
  }

  newPrekey(): Prekey {
    const prekey = createPrekey(this.identity, this.id);
    this.prekeys.push(prekey);
    this.current = prekey;
    return prekey;
  }

  keysReply(prekey = this.current): string {
    return `OK KEYS ${this.id} ${this.identity.publicKey} ${prekey.publicKey} ${prekey.signature}`;
  }
}

const CHALLENGE = `CHALLENGE ${Buffer.alloc(32, 7).toString('base64')} lab none`;

/**
 * The real SecureChat of one user, wired to a scripted (malicious) server in memory: the
 * server accepts any proof, answers KEYS with whatever `keysFor` says, and acknowledges
 * everything; the test injects any other line. Replies are delivered one by one after the
 * request, as a socket would, never re-entrantly.
 */
export class ScriptedConnection {
  readonly chat: SecureChat;
  readonly sent: string[] = [];
  readonly notices: string[] = [];
  readonly warnings: string[] = [];
  readonly #inbox: string[] = [];
  readonly #keysFor: (id: string) => string;
  readonly #ownId: string;

  constructor(ownId: string, keyFile: string, keysFor: (id: string) => string) {
    this.#ownId = ownId;
    this.#keysFor = keysFor;
    this.chat = new SecureChat(
      { keyFile, server: '127.0.0.1:5151' },
      {
        send: (line) => {
          this.sent.push(line);
          this.chat.sent(line);
          this.#inbox.push(...this.#answer(line));
        },
        notice: (text) => this.notices.push(text),
        warn: (text) => this.warnings.push(text),
        channelBinding: () => '',
      },
    );
  }

  /** Logs in by AUTH and publishes a prekey; resolves when that is done. */
  async login(): Promise<void> {
    const prekeys = () => this.sent.filter((line) => line.startsWith('PREKEY ')).length;
    const before = prekeys();
    this.chat.command(`/auth ${this.#ownId}`);
    await this.settle();
    if (prekeys() !== before + 1) throw new Error(`no PREKEY sent:\n${[...this.sent, ...this.notices, ...this.warnings].join('\n')}`);
  }

  /** The prekey this client published last (raw base64). */
  publishedPrekey(): string {
    const line = this.sent.findLast((sent) => sent.startsWith('PREKEY '));
    if (line === undefined) throw new Error('no prekey published');
    return line.split(' ')[1]!;
  }

  /** A line from the server (an injected one, or a relayed EMSG). */
  inject(line: string): void {
    this.#inbox.push(line);
  }

  /** Delivers queued lines until nothing is queued and the client is idle. */
  async settle(): Promise<void> {
    const deadline = Date.now() + 5000;
    while (this.#inbox.length > 0 || this.chat.busy()) {
      if (Date.now() > deadline) throw new Error(`client never settled:\n${[...this.sent, ...this.notices, ...this.warnings].join('\n')}`);
      const line = this.#inbox.shift();
      if (line === undefined) await sleep(1);
      else this.chat.received(line);
    }
  }

  #answer(line: string): string[] {
    const [verb = '', arg = ''] = line.split(' ');
    switch (verb) {
      case 'AUTH':
        return [CHALLENGE];
      case 'PROVE':
        return [`OK AUTH ${this.#ownId}`];
      case 'PREKEY':
        return ['OK PREKEY'];
      case 'KEYS':
        return [this.#keysFor(arg)];
      case 'EMSG':
        return [`OK EMSG ${arg}`];
      default:
        return [];
    }
  }
}

/** What a malicious server (or the user) can throw in about a peer at any moment: LEFT, JOINED, /forget. */
export const interference = fc.constantFrom({ kind: 'left' as const }, { kind: 'joined' as const }, { kind: 'forget' as const });

export function interfere(connection: ScriptedConnection, peer: string, { kind }: { kind: 'left' | 'joined' | 'forget' }): void {
  if (kind === 'forget') connection.chat.command(`/forget ${peer}`);
  else connection.inject(`${kind.toUpperCase()} ${peer}`);
}
