import { describe, expect, it } from 'vitest';
import { Router, type Member } from '../../src/server/router.js';

function member(id: string, accepts = true): Member & { received: Buffer[] } {
  const received: Buffer[] = [];
  return {
    id,
    received,
    deliver(bytes) {
      if (!accepts) return false;
      received.push(bytes);
      return true;
    },
  };
}

describe('Router', () => {
  it('keeps ids unique case-insensitively and finds them in any case', () => {
    const router = new Router();
    const alice = member('Alice');
    expect(router.add(alice)).toBe(true);
    expect(router.add(member('alice'))).toBe(false);
    expect(router.find('ALICE')).toBe(alice);
    expect(router.find('bob')).toBeUndefined();
    expect(router.ids()).toEqual(['Alice']);
  });

  it('removes only the member that is registered under the key', () => {
    const router = new Router();
    const alice = member('alice');
    router.add(alice);
    expect(router.remove(member('ALICE'))).toBe(false);
    expect(router.remove(alice)).toBe(true);
    expect(router.remove(alice)).toBe(false);
    expect(router.size).toBe(0);
  });

  it('lists ids in login order', () => {
    const router = new Router();
    for (const id of ['c', 'a', 'b']) router.add(member(id));
    expect(router.ids()).toEqual(['c', 'a', 'b']);
  });

  it('broadcast encodes once: every recipient gets the very same Buffer, the sender none', () => {
    const router = new Router();
    const members = ['a', 'b', 'c', 'd'].map((id) => member(id));
    for (const m of members) router.add(m);
    expect(router.broadcast('MSG a ALL hi\n', members[0])).toBe(3);
    expect(members[0]!.received).toEqual([]);
    const buffers = members.slice(1).map((m) => m.received[0]!);
    expect(buffers[0]!.toString()).toBe('MSG a ALL hi\n');
    expect(new Set(buffers).size).toBe(1);
  });

  it('counts only recipients that took the bytes (slow consumers are not reached)', () => {
    const router = new Router();
    router.add(member('a'));
    router.add(member('slow', false));
    router.add(member('c'));
    expect(router.broadcast('JOINED x\n')).toBe(2);
  });

  it('clear forgets everyone', () => {
    const router = new Router();
    router.add(member('a'));
    router.clear();
    expect(router.ids()).toEqual([]);
    expect(router.add(member('A'))).toBe(true);
  });
});
