import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REQUEST_VERBS, parseRequest } from '../../src/protocol/index.js';
import { Logger } from '../../src/server/logger.js';
import { TokenBucket } from '../../src/server/rate-limiter.js';
import { Router } from '../../src/server/router.js';
import { Session, type SessionLink } from '../../src/server/session.js';
import { CORE_VERBS } from '../../src/server/verbs.js';

/** A link that records what the session sends, and whether it asked to close. */
class FakeLink implements SessionLink {
  readonly sent: string[] = [];
  closed = false;
  accepts = true;
  constructor(readonly peer: string) {}
  send(data: string | Buffer): boolean {
    if (!this.accepts || this.closed) return false;
    this.sent.push(data.toString().replace(/\n$/, ''));
    return true;
  }
  close(): void {
    this.closed = true;
  }
  /** Everything sent since the last call. */
  take(): string[] {
    return this.sent.splice(0);
  }
}

function world(options: { logText?: boolean; limiter?: () => TokenBucket; loginTimeoutMs?: number } = {}) {
  const router = new Router();
  const log: string[] = [];
  const logger = new Logger({ logText: options.logText ?? false, write: (line) => log.push(line), now: () => 0 });
  let port = 40000;
  const connect = () => {
    const link = new FakeLink(`127.0.0.1:${port++}`);
    const session = new Session({ link, router, logger, limiter: options.limiter?.(), loginTimeoutMs: options.loginTimeoutMs });
    session.open('test');
    const say = (line: string) => session.receive(parseRequest(Buffer.from(line)));
    return { link, session, say };
  };
  const loggedIn = (id: string) => {
    const client = connect();
    client.say(`LOGIN ${id}`);
    client.link.take();
    return client;
  };
  return { router, log, connect, loggedIn };
}

describe('Session', () => {
  it('walks connected -> logged-in -> closed', () => {
    const { connect } = world();
    const { link, session, say } = connect();
    expect(link.take()).toEqual(['HELLO CHAT-MSG/1 test']);
    expect(session.state).toBe('connected');
    say('LOGIN alice');
    expect(session.state).toBe('logged-in');
    expect(session.id).toBe('alice');
    say('LOGOFF alice');
    expect(link.take()).toEqual(['OK LOGIN alice', 'OK LOGOFF alice']);
    expect(session.state).toBe('closed');
    expect(link.closed).toBe(true);
    say('PING');
    expect(link.take()).toEqual([]);
  });

  it('tells the others JOINED and LEFT, once, also when the connection just drops', () => {
    const { loggedIn } = world();
    const watcher = loggedIn('w');
    const alice = loggedIn('alice');
    expect(watcher.link.take()).toEqual(['JOINED alice']);
    alice.session.closed('peer closed');
    alice.session.closed('peer closed');
    expect(watcher.link.take()).toEqual(['LEFT alice']);
    const bob = loggedIn('bob');
    bob.say('LOGOFF BOB');
    bob.session.closed('closed by server');
    expect(watcher.link.take()).toEqual(['JOINED bob', 'LEFT bob']);
    expect(bob.link.take()).toEqual(['OK LOGOFF bob']);
  });

  it('refuses by state: 401 before LOGIN, 409 for a second LOGIN', () => {
    const { connect } = world();
    const { link, say } = connect();
    link.take();
    say('LIST');
    say('MSG ALL hi');
    say('LOGOFF x');
    say('PING p');
    say('LOGIN me');
    say('LOGIN other');
    expect(link.take()).toEqual([
      'ERR 401 not logged in: LIST needs LOGIN first',
      'ERR 401 not logged in: MSG needs LOGIN first',
      'ERR 401 not logged in: LOGOFF needs LOGIN first',
      'PONG p',
      'OK LOGIN me',
      'ERR 409 id already online: this connection is already logged in as me',
    ]);
  });

  it('routes direct messages in the recipient case and never trusts a claimed sender', () => {
    const { loggedIn } = world();
    const alice = loggedIn('alice');
    const bob = loggedIn('Bob');
    alice.link.take();
    alice.say('MSG bob I am carol');
    expect(alice.link.take()).toEqual(['OK MSG Bob']);
    expect(bob.link.take()).toEqual(['MSG alice Bob I am carol']);
    alice.say('MSG carol hi');
    expect(alice.link.take()).toEqual(['ERR 404 no client with that id is online: carol']);
  });

  it('answers 404 when the recipient could not take the message (dropped slow consumer)', () => {
    const { loggedIn } = world();
    const alice = loggedIn('alice');
    const slow = loggedIn('slow');
    alice.link.take();
    slow.link.accepts = false;
    alice.say('MSG slow hi');
    expect(alice.link.take()[0]).toMatch(/^ERR 404 /);
  });

  it('broadcast counts the recipients that got it', () => {
    const { loggedIn } = world();
    const a = loggedIn('a');
    const b = loggedIn('b');
    const c = loggedIn('c');
    c.link.accepts = false;
    a.link.take();
    a.say('MSG all hi');
    expect(a.link.take()).toEqual(['OK MSG ALL 1']);
    expect(b.link.take()).toEqual(['JOINED c', 'MSG a ALL hi']);
  });

  it('LOGOFF of another id is 403 and keeps the session', () => {
    const { loggedIn } = world();
    const a = loggedIn('a');
    a.say('LOGOFF b');
    expect(a.link.take()).toEqual(['ERR 403 you can only log off your own id: you are a']);
    expect(a.session.state).toBe('logged-in');
  });

  it('LIST and HELP', () => {
    const { loggedIn } = world();
    loggedIn('x');
    const y = loggedIn('y');
    y.say('LIST');
    y.say('HELP');
    expect(y.link.take()).toEqual(['OK LIST 2 x y', `OK HELP ${REQUEST_VERBS.join(' ')}`]);
  });

  it('the verb table has exactly one handler per request verb', () => {
    expect(Object.keys(CORE_VERBS).sort()).toEqual([...REQUEST_VERBS].sort());
  });

  it('login timeout: 408 and close, but only when not logged in', () => {
    const { connect, loggedIn } = world();
    const late = connect();
    late.link.take();
    late.session.loginTimedOut();
    expect(late.link.take()).toEqual(['ERR 408 no LOGIN in time, closing']);
    expect(late.link.closed).toBe(true);
    const fine = loggedIn('fine');
    fine.session.loginTimedOut();
    expect(fine.link.take()).toEqual([]);
    expect(fine.link.closed).toBe(false);
  });

  describe('login timer', () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    it('fires ERR 408 and closes a connection that has not logged in, once, at the deadline', () => {
      const { connect, log } = world({ loginTimeoutMs: 1000 });
      const late = connect();
      late.link.take();
      vi.advanceTimersByTime(999);
      expect(late.link.take()).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(late.link.take()).toEqual(['ERR 408 no LOGIN in time, closing']);
      expect(late.link.closed).toBe(true);
      expect(late.session.state).toBe('closed');
      expect(log.filter((line) => line.includes('ERR 408'))).toHaveLength(1);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('is gone once the client logs in, or the connection ends or shuts down first', () => {
      const { connect, loggedIn } = world({ loginTimeoutMs: 1000 });
      const fine = loggedIn('fine');
      const gone = connect();
      gone.link.take();
      gone.session.closed('peer closed');
      const shut = connect();
      shut.link.take();
      shut.session.shutdown('going down');
      expect(shut.link.take()).toEqual(['BYE going down']);
      expect(vi.getTimerCount()).toBe(0);
      vi.advanceTimersByTime(10_000);
      for (const client of [fine, gone, shut]) expect(client.link.take()).toEqual([]);
      expect(fine.link.closed).toBe(false);
      expect(fine.session.state).toBe('logged-in');
    });
  });

  it('shutdown says BYE and closes without LEFT to the others', () => {
    const { loggedIn, router } = world();
    const a = loggedIn('a');
    const b = loggedIn('b');
    a.link.take();
    router.clear();
    for (const s of [a, b]) s.session.shutdown('bye now');
    for (const s of [a, b]) s.session.closed('closed by server');
    expect(a.link.take()).toEqual(['BYE bye now']);
    expect(b.link.take()).toEqual(['BYE bye now']);
  });

  it('delivers a MSG to the own id, before its OK MSG (any case, named as logged in)', () => {
    const { loggedIn } = world();
    const other = loggedIn('other');
    const alice = loggedIn('Alice');
    other.link.take();
    alice.say('MSG alice note to self');
    expect(alice.link.take()).toEqual(['MSG Alice Alice note to self', 'OK MSG Alice']);
    expect(other.link.take()).toEqual([]);
  });

  it('the rate limit counts malformed and over-long lines too, each dropped one gets its own 429', () => {
    const now = 0;
    const { connect } = world({ limiter: () => new TokenBucket(1, 2, () => now) });
    const { link, session, say } = connect();
    link.take();
    say('FROB');
    session.lineTooLong(4096);
    say('FROB');
    session.lineTooLong(4096);
    say('HELP');
    const rateLimited = 'ERR 429 too many requests, request dropped';
    expect(link.take()).toEqual([
      'ERR 400 malformed request: unknown verb FROB',
      'ERR 413 line too long, discarded: max 4096 bytes including LF',
      rateLimited,
      rateLimited,
      rateLimited,
    ]);
  });

  it('drops requests beyond the rate limit with 429, logging only the first of a run', () => {
    let now = 0;
    const { connect, log } = world({ limiter: () => new TokenBucket(1, 3, () => now) });
    const { link, say } = connect();
    link.take();
    for (let i = 0; i < 6; i++) say(`PING ${i}`);
    expect(link.take()).toEqual(['PONG 0', 'PONG 1', 'PONG 2', ...Array(3).fill('ERR 429 too many requests, request dropped')]);
    expect(log.filter((line) => line.includes('ERR 429'))).toHaveLength(1);
    now += 1;
    say('PING again');
    expect(link.take()).toEqual(['PONG again']);
  });

  it('413 keeps the session usable', () => {
    const { connect } = world();
    const { link, session, say } = connect();
    link.take();
    session.lineTooLong(4096);
    say('PING');
    expect(link.take()).toEqual(['ERR 413 line too long, discarded: max 4096 bytes including LF', 'PONG']);
  });

  it('logs peer, id and verb, and message text only with logText', () => {
    for (const logText of [false, true]) {
      const { loggedIn, log } = world({ logText });
      loggedIn('a');
      const b = loggedIn('b');
      b.say('MSG a secret words');
      const line = log.find((entry) => entry.includes(' MSG '))!;
      expect(line).toMatch(/^1970-01-01T00:00:00\.000Z 127\.0\.0\.1:\d+ b MSG a/);
      expect(line.includes('secret words')).toBe(logText);
      expect(log.some((entry) => / - LOGIN b$/.test(entry.trim()))).toBe(true);
    }
  });
});
