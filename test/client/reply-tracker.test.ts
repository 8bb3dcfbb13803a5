import { describe, expect, it } from 'vitest';
import { ReplyTracker } from '../../src/client/reply-tracker.js';
import { parseServerLine } from '../../src/protocol/index.js';

const reply = (tracker: ReplyTracker, line: string) => tracker.received(parseServerLine(line));

describe('ReplyTracker', () => {
  it('pairs replies with requests in order, skipping pushes and unsolicited errors', () => {
    const tracker = new ReplyTracker();
    tracker.tag('KEYS bob', { kind: 'keys', id: 'bob' });
    tracker.sent('LIST');
    tracker.sent('');
    tracker.sent('KEYS bob');
    expect(tracker.pending((tag) => tag.kind === 'keys')).toBe(true);
    expect(reply(tracker, 'MSG carol alice hi')).toBeUndefined();
    expect(reply(tracker, 'EMSG carol alice 1 AAAA')).toBeUndefined();
    expect(reply(tracker, 'ERR 408 no LOGIN in time, closing')).toBeUndefined();
    expect(reply(tracker, 'OK LIST 1 alice')).toEqual({ line: 'LIST', tag: undefined });
    expect(reply(tracker, 'ERR 404 no client with that id is online: bob')).toEqual({ line: 'KEYS bob', tag: { kind: 'keys', id: 'bob' } });
    expect(tracker.pending(() => true)).toBe(false);
  });

  it('keeps a tag for a line queued before the connection is up', () => {
    const tracker = new ReplyTracker();
    tracker.tag('AUTH alice', { kind: 'login', purpose: 'AUTH', id: 'alice' });
    expect(tracker.pending((tag) => tag.kind === 'login')).toBe(true);
    tracker.sent('PING keepalive');
    tracker.sent('AUTH alice');
    expect(reply(tracker, 'PONG keepalive')?.line).toBe('PING keepalive');
    expect(reply(tracker, 'CHALLENGE AAAA realm none')?.tag).toEqual({ kind: 'login', purpose: 'AUTH', id: 'alice' });
  });
});
