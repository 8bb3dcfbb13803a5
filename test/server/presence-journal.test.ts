import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PresenceJournal } from '../../src/server/presence-journal.js';
import { Router, type Member } from '../../src/server/router.js';

describe('PresenceJournal', () => {
  it('gives the bytes since an offset as one view of shared memory, without copying', () => {
    const journal = new PresenceJournal();
    journal.append('JOINED a\n');
    journal.append('JOINED b\n');
    expect(journal.length).toBe(18);
    const all = journal.since(0);
    const fromB = journal.since(9);
    expect(all.toString()).toBe('JOINED a\nJOINED b\n');
    expect(fromB.toString()).toBe('JOINED b\n');
    // One encoding, shared: the later view points into the same memory.
    expect(fromB.buffer).toBe(all.buffer);
    journal.append('LEFT a\n');
    expect(journal.since(9).toString()).toBe('JOINED b\nLEFT a\n');
    expect(journal.since(18).toString()).toBe('LEFT a\n');
    expect(journal.since(journal.length).length).toBe(0);
    journal.clear();
    expect(journal.length).toBe(0);
    expect(journal.since(0).length).toBe(0);
  });

  it('never changes the bytes of a view it handed out, across growth and clear (any appends, any offsets)', () => {
    const step = fc.oneof(
      fc.record({ op: fc.constant('append' as const), line: fc.string({ unit: 'grapheme', maxLength: 3000 }) }),
      fc.record({ op: fc.constant('since' as const), at: fc.nat() }),
      fc.constant({ op: 'clear' as const }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const journal = new PresenceJournal();
        let model = Buffer.alloc(0);
        const taken: { view: Buffer; bytes: Buffer }[] = [];
        for (const s of steps) {
          if (s.op === 'append') {
            journal.append(s.line);
            model = Buffer.concat([model, Buffer.from(s.line)]);
          } else if (s.op === 'clear') {
            journal.clear();
            model = Buffer.alloc(0);
          } else {
            const from = model.length === 0 ? 0 : s.at % (model.length + 1);
            const view = journal.since(from);
            expect(view.equals(model.subarray(from))).toBe(true);
            taken.push({ view, bytes: Buffer.from(view) });
          }
          expect(journal.length).toBe(model.length);
        }
        for (const { view, bytes } of taken) expect(view.equals(bytes)).toBe(true);
      }),
    );
  });
});

/** A member wired like Session's: presence before anything else it is sent. */
function memberOf(router: Router, id: string, out: string[]): Member {
  const member: Member = {
    id,
    deliver(bytes) {
      router.catchUp(member);
      out.push(bytes.toString());
      return true;
    },
  };
  return member;
}

type Event =
  | { kind: 'join' | 'leave' | 'send' | 'broadcast'; who: number }
  | { kind: 'endTurn' };

const events = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constantFrom('join' as const, 'leave' as const, 'send' as const, 'broadcast' as const), who: fc.integer({ min: 0, max: 5 }) }),
    fc.constant({ kind: 'endTurn' as const }),
  ),
  { maxLength: 60 },
);

describe('Router presence through the journal', () => {
  it('every member sees exactly what immediate delivery of each notice would give it, in the same order', () => {
    fc.assert(
      fc.property(events, (sequence: Event[]) => {
        const turns: (() => void)[] = [];
        const router = new Router((endTurn) => turns.push(endTurn));
        // The reference: every line delivered the moment it is sent.
        const expected = new Map<Member, string[]>();
        const actual = new Map<Member, string[]>();
        const online = new Map<number, Member>();
        const others = (except: Member) => [...online.values()].filter((m) => m !== except);
        for (const event of sequence) {
          if (event.kind === 'endTurn') {
            turns.splice(0).forEach((run) => run());
            continue;
          }
          const id = `u${event.who}`;
          const member = online.get(event.who);
          switch (event.kind) {
            case 'join': {
              if (member !== undefined) break;
              const out: string[] = [];
              const joined = memberOf(router, id, out);
              actual.set(joined, out);
              expected.set(joined, []);
              expect(router.add(joined)).toBe(true);
              for (const other of others(joined)) expected.get(other)!.push(`JOINED ${id}\n`);
              online.set(event.who, joined);
              router.announce(`JOINED ${id}\n`, joined);
              break;
            }
            case 'leave':
              if (member === undefined) break;
              expect(router.remove(member)).toBe(true);
              online.delete(event.who);
              for (const other of online.values()) expected.get(other)!.push(`LEFT ${id}\n`);
              router.announce(`LEFT ${id}\n`, member);
              break;
            case 'send':
              if (member === undefined) break;
              expected.get(member)!.push(`X ${id}\n`);
              member.deliver(Buffer.from(`X ${id}\n`));
              break;
            case 'broadcast':
              if (member === undefined) break;
              for (const other of others(member)) expected.get(other)!.push(`B ${id}\n`);
              router.broadcast(`B ${id}\n`, member);
              break;
          }
        }
        turns.splice(0).forEach((run) => run());
        for (const [member, lines] of expected) expect(actual.get(member)!.join('')).toBe(lines.join(''));
      }),
      { numRuns: 500 },
    );
  });

  it('a turn of notices reaches each member as one view of the same bytes', () => {
    const turns: (() => void)[] = [];
    const router = new Router((endTurn) => turns.push(endTurn));
    const received = new Map<string, Buffer[]>();
    const join = (id: string) => {
      const views: Buffer[] = [];
      received.set(id, views);
      const member: Member = { id, deliver: (bytes) => (views.push(bytes), true) };
      router.add(member);
      router.announce(`JOINED ${id}\n`, member);
    };
    join('w1');
    join('w2');
    turns.splice(0).forEach((run) => run());
    received.get('w1')!.length = 0;
    for (let i = 0; i < 100; i++) join(`n${i}`);
    expect(turns).toHaveLength(1);
    turns[0]!();
    const [w1, w2] = [received.get('w1')!, received.get('w2')!];
    expect(w1).toHaveLength(1);
    expect(w2).toHaveLength(1);
    expect(w1[0]!.toString().split('\n')).toHaveLength(101);
    expect(w2[0]!.buffer).toBe(w1[0]!.buffer);
    // The last one to log in was told of nobody; the first of this turn of the 99 after it.
    expect(received.get('n99')).toEqual([]);
    expect(received.get('n0')![0]!.toString().startsWith('JOINED n1\n')).toBe(true);
  });
});
