import { BROADCAST_TARGET, encodeRequest } from '../protocol/index.js';

/** The servers the bench can drive: ours, and the peers it compares with. */
/**
 * relay: a minimal Node relay of the direct workload (minimal-relay.ts), Node's own floor.
 * baseline: another build of our server (--baseline), so a change is measured against the build
 * before it in the same run.
 */
export const SERVER_KINDS = ['chatmsg', 'redis', 'irc', 'irc-ping', 'relay', 'baseline'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** How a receiver listens: to everyone's messages (fan-out) or only to its own (direct). */
export type Listening = 'broadcast' | 'direct';

export type Role = 'sender' | 'receiver';

/** One client of the load generator. */
export interface ClientSpec {
  /** Unique per connection: s<i> for senders, r<i> for receivers. */
  name: string;
  role: Role;
  listening: Listening;
  /** A sender of direct messages: the receiver it writes to. */
  to?: string;
}

/**
 * What the load generator must know of a server's wire format: how a client becomes ready,
 * how a message is sent, and what a delivery looks like. Only the handshake is inspected as
 * text; deliveries are counted in bulk as occurrences of the delivery marker.
 */
export interface Dialect {
  /** Appears in what the server sends on connect before it takes a hello; '' = nothing to wait for. */
  greetingMarker: string;
  /** Bytes a client sends, once greeted, to be ready. */
  hello(client: ClientSpec): string;
  /** Appears in what the server sends once the client is ready; '' = ready on connect. */
  readyMarker(client: ClientSpec): string;
  broadcast(payload: string): string;
  direct(to: string, payload: string): string;
  /** A round trip whose reply contains SYNC_TOKEN; everything the server queued before comes first. */
  ping: string;
  /** Bytes that occur exactly once in each delivered message and nowhere else after the handshake. */
  deliveryMarker: string;
  /**
   * Bytes that occur exactly once in each presence notice of another client logging in
   * ('' = the server sends none). Each client counts them after its own ready marker, so with
   * n clients logged in, every pair is counted once (by whichever was online first): n(n-1)/2.
   */
  presenceMarker: string;
}

/** Token of the round trip; never part of a payload or a name. */
export const SYNC_TOKEN = 'benchsync';

/** The channel (Redis) or IRC channel every fan-out receiver listens to. */
const CHANNEL = 'bench';

const chatmsg: Dialect = {
  greetingMarker: 'HELLO ',
  hello: ({ name }) => encodeRequest({ verb: 'LOGIN', id: name }),
  readyMarker: () => 'OK LOGIN',
  broadcast: (payload) => encodeRequest({ verb: 'MSG', target: BROADCAST_TARGET, text: payload }),
  direct: (to, payload) => encodeRequest({ verb: 'MSG', target: to, text: payload }),
  ping: encodeRequest({ verb: 'PING', token: SYNC_TOKEN }),
  // MSG <from> <target> <text>: ids and stamped texts hold no space, JOINED / LEFT no `MSG `.
  deliveryMarker: 'MSG ',
  presenceMarker: 'JOINED ',
};

/** A Redis command in RESP: an array of bulk strings. */
function resp(...words: string[]): string {
  return `*${words.length}\r\n${words.map((word) => `$${Buffer.byteLength(word)}\r\n${word}\r\n`).join('')}`;
}

const redis: Dialect = {
  greetingMarker: '',
  // A publisher needs no handshake; a receiver subscribes to the shared channel or its own.
  hello: ({ name, role, listening }) =>
    role === 'sender' ? '' : resp('SUBSCRIBE', listening === 'broadcast' ? CHANNEL : name),
  readyMarker: ({ role }) => (role === 'sender' ? '' : 'subscribe'),
  broadcast: (payload) => resp('PUBLISH', CHANNEL, payload),
  direct: (to, payload) => resp('PUBLISH', to, payload),
  ping: resp('PING', SYNC_TOKEN),
  // *3 $7 message $n <channel> $n <payload>: seven CRLF-terminated lines, one of them `message`.
  deliveryMarker: 'message\r\n',
  presenceMarker: '',
};

const irc: Dialect = {
  // With DNS and ident lookups off ngIRCd says nothing before NICK/USER.
  greetingMarker: '',
  // Senders join too: a channel is +n (no messages from outside) by default.
  hello: ({ name, listening }) =>
    `NICK ${name}\r\nUSER ${name} 0 * :bench\r\n${listening === 'broadcast' ? `JOIN #${CHANNEL}\r\n` : ''}`,
  // 366 = end of the channel's NAMES after JOIN; 376 = end of the MOTD after registration.
  readyMarker: ({ listening }) => (listening === 'broadcast' ? ' 366 ' : ' 376 '),
  broadcast: (payload) => `PRIVMSG #${CHANNEL} :${payload}\r\n`,
  direct: (to, payload) => `PRIVMSG ${to} :${payload}\r\n`,
  ping: `PING :${SYNC_TOKEN}\r\n`,
  // Not LF: JOIN, PART and QUIT notices of other members arrive on the same connection.
  deliveryMarker: ' PRIVMSG ',
  // `:nick!user@host JOIN :#bench`; a client's own JOIN comes before its 366, so is not counted.
  presenceMarker: ' JOIN ',
};

/**
 * IRC with a reply to every message, as CHAT-MSG has (`OK MSG`) and Redis (`:1` to PUBLISH):
 * each PRIVMSG is followed by a PING, which ngIRCd answers with a PONG to the sender. The same
 * server then does as many socket writes per message as ours, so the two latencies compare
 * like with like (docs/PERFORMANCE.md). Replies to it are not SYNC_TOKEN pongs and not counted.
 */
const REPLY_PING = 'PING :reply\r\n';
const ircPing: Dialect = {
  ...irc,
  broadcast: (payload) => irc.broadcast(payload) + REPLY_PING,
  direct: (to, payload) => irc.direct(to, payload) + REPLY_PING,
};

/** The minimal relay speaks CHAT-MSG's direct messages but announces no one. */
const relay: Dialect = { ...chatmsg, presenceMarker: '' };

export const DIALECTS: Record<ServerKind, Dialect> = { chatmsg, redis, irc, 'irc-ping': ircPing, relay, baseline: chatmsg };

export function clientSpec(role: Role, index: number, listening: Listening): ClientSpec {
  return { name: `${role === 'sender' ? 's' : 'r'}${index}`, role, listening };
}
