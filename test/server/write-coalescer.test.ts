import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FLUSH_THRESHOLD, OutputQueue, WriteCoalescer, type OutputSink } from '../../src/server/write-coalescer.js';

/**
 * A socket stand-in, as net.Socket behaves: write returns false once the bytes it holds reach
 * highWaterMark, counting the new ones, before the OS takes any; the OS then takes up to
 * `osRoom` bytes at once (when nothing is queued ahead), the rest stays unsent until the test
 * lets it drain.
 */
class FakeSink implements OutputSink {
  readonly writes: Buffer[] = [];
  readonly calls: string[] = [];
  unsentBytes = 0;
  #room: number;
  #drained: (() => void) | undefined;
  constructor(
    readonly highWaterMark = 16 * 1024,
    readonly osRoom = 0,
  ) {
    this.#room = osRoom;
  }
  write(bytes: Buffer): boolean {
    this.writes.push(bytes);
    const below = this.unsentBytes + bytes.length < this.highWaterMark;
    const taken = this.unsentBytes === 0 ? Math.min(this.#room, bytes.length) : 0;
    this.#room -= taken;
    this.unsentBytes += bytes.length - taken;
    return below;
  }
  pauseInput(drained: () => void): void {
    this.calls.push('pause');
    this.#drained = drained;
  }
  resumeInput(): void {
    this.calls.push('resume');
  }
  /** The OS sent everything and has room again; 'drain' reaches whoever waits for it, once. */
  drain(): void {
    this.unsentBytes = 0;
    this.#room = this.osRoom;
    const drained = this.#drained;
    this.#drained = undefined;
    drained?.();
  }
  text(): string[] {
    return this.writes.map((bytes) => bytes.toString());
  }
}

/** A coalescer whose "end of turn" runs when the test says. */
function world(maxQueue = 1024 * 1024, highWaterMark?: number, osRoom?: number) {
  const turns: (() => void)[] = [];
  const coalescer = new WriteCoalescer((flush) => turns.push(flush));
  const endTurn = () => {
    for (const flush of turns.splice(0)) flush();
  };
  const open = () => {
    const sink = new FakeSink(highWaterMark, osRoom);
    return { sink, queue: new OutputQueue(sink, maxQueue, coalescer) };
  };
  return { turns, endTurn, open };
}

const line = (text: string) => Buffer.from(`${text}\n`);

describe('WriteCoalescer and OutputQueue', () => {
  it('coalesces a turn of lines into one write per connection, scheduling one flush for all', () => {
    const { turns, endTurn, open } = world();
    const alice = open();
    const bob = open();
    alice.queue.push(line('OK LOGIN alice'));
    bob.queue.push(line('JOINED alice'));
    alice.queue.push(line('PONG 1'));
    bob.queue.push(line('MSG alice ALL hi'));
    expect(turns).toHaveLength(1);
    expect(alice.sink.writes).toEqual([]);
    expect(alice.queue.queuedBytes).toBe(line('OK LOGIN alice').length + line('PONG 1').length);
    endTurn();
    expect(alice.sink.text()).toEqual(['OK LOGIN alice\nPONG 1\n']);
    expect(bob.sink.text()).toEqual(['JOINED alice\nMSG alice ALL hi\n']);
    expect(alice.queue.queuedBytes).toBe(0);
    // The next turn schedules again, and a flush with nothing queued writes nothing.
    alice.queue.push(line('PONG 2'));
    expect(turns).toHaveLength(1);
    endTurn();
    alice.queue.flush();
    expect(alice.sink.text()).toEqual(['OK LOGIN alice\nPONG 1\n', 'PONG 2\n']);
    expect(bob.sink.writes).toHaveLength(1);
  });

  it('a single queued line is written as it is, not copied', () => {
    const { endTurn, open } = world();
    const { sink, queue } = open();
    const bytes = line('PONG x');
    queue.push(bytes);
    endTurn();
    expect(sink.writes[0]).toBe(bytes);
  });

  it(`flushes at once when a turn gathers ${FLUSH_THRESHOLD} bytes, then coalesces again`, () => {
    const { turns, endTurn, open } = world(1024 * 1024, Number.MAX_SAFE_INTEGER);
    const { sink, queue } = open();
    const chunk = Buffer.alloc(FLUSH_THRESHOLD / 4, 'a');
    for (let i = 0; i < 3; i++) queue.push(chunk);
    expect(sink.writes).toEqual([]);
    queue.push(chunk.subarray(0, chunk.length - 1));
    expect(sink.writes).toEqual([]);
    queue.push(Buffer.from('b'));
    expect(sink.writes.map((bytes) => bytes.length)).toEqual([FLUSH_THRESHOLD]);
    expect(queue.queuedBytes).toBe(0);
    queue.push(line('after'));
    expect(sink.writes).toHaveLength(1);
    expect(turns).toHaveLength(1);
    endTurn();
    expect(sink.writes.map((bytes) => bytes.toString().slice(-6))).toEqual(['aaaaab', 'after\n']);
  });

  it('max-queue counts what the socket holds plus what is queued; the line over it is refused whole', () => {
    const { endTurn, open } = world(100, Number.MAX_SAFE_INTEGER);
    const { sink, queue } = open();
    queue.push(Buffer.alloc(60));
    endTurn();
    expect(sink.unsentBytes).toBe(60);
    expect(queue.push(Buffer.alloc(30))).toBe(true);
    expect(queue.unsentBytes).toBe(90);
    expect(queue.push(Buffer.alloc(11))).toBe(false);
    expect(queue.queuedBytes).toBe(30);
    expect(queue.push(Buffer.alloc(10))).toBe(true);
    expect(queue.unsentBytes).toBe(100);
    expect(queue.push(Buffer.alloc(1))).toBe(false);
    // Once the socket sends, there is room again.
    sink.drain();
    expect(queue.push(Buffer.alloc(60))).toBe(true);
    endTurn();
    expect(sink.writes.map((bytes) => bytes.length)).toEqual([60, 100]);
  });

  it('pauses input when the socket says it is full, once, and resumes on drain, once', () => {
    const { endTurn, open } = world(1024 * 1024, 100);
    const { sink, queue } = open();
    queue.push(Buffer.alloc(50));
    endTurn();
    expect(sink.calls).toEqual([]);
    queue.push(Buffer.alloc(50));
    endTurn();
    expect(sink.calls).toEqual(['pause']);
    expect(queue.inputPaused).toBe(true);
    queue.push(Buffer.alloc(50));
    endTurn();
    expect(sink.calls).toEqual(['pause']);
    sink.drain();
    sink.drain();
    queue.drained();
    expect(sink.calls).toEqual(['pause', 'resume']);
    expect(queue.inputPaused).toBe(false);
  });

  it('a write the OS takes whole does not pause, although the socket said false for its size', () => {
    const { open } = world(1024 * 1024, 16 * 1024, Number.MAX_SAFE_INTEGER);
    const { sink, queue } = open();
    queue.push(Buffer.alloc(FLUSH_THRESHOLD));
    expect(sink.writes).toHaveLength(1);
    expect(sink.unsentBytes).toBe(0);
    expect(sink.calls).toEqual([]);
    expect(queue.inputPaused).toBe(false);
  });

  it('a drain while input flows changes nothing', () => {
    const { open } = world();
    const { sink, queue } = open();
    queue.drained();
    expect(sink.calls).toEqual([]);
  });

  it('discard drops what is queued: the flush that was scheduled writes nothing', () => {
    const { endTurn, open } = world();
    const { sink, queue } = open();
    queue.push(line('never sent'));
    queue.discard();
    expect(queue.queuedBytes).toBe(0);
    endTurn();
    expect(sink.writes).toEqual([]);
  });

  type Event = { kind: 'push'; size: number } | { kind: 'end-turn' } | { kind: 'os-sends' };
  const events = fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 1, max: 9000 }).map((size): Event => ({ kind: 'push', size })) },
      { weight: 2, arbitrary: fc.constant<Event>({ kind: 'end-turn' }) },
      { weight: 1, arbitrary: fc.constant<Event>({ kind: 'os-sends' }) },
    ),
    { maxLength: 80 },
  );

  it('over any sequence of pushes, turns and drains: bytes leave in order, the bound holds, pause and resume alternate', () => {
    fc.assert(
      fc.property(events, fc.integer({ min: 1, max: 64 * 1024 }), fc.integer({ min: 1, max: 32 * 1024 }), fc.nat(48 * 1024), (sequence, maxQueue, highWaterMark, osRoom) => {
        const { endTurn, open } = world(maxQueue, highWaterMark, osRoom);
        const { sink, queue } = open();
        const accepted: Buffer[] = [];
        let n = 0;
        for (const event of sequence) {
          if (event.kind === 'push') {
            const bytes = Buffer.alloc(event.size, n++ % 251);
            const before = queue.unsentBytes;
            const paused = queue.inputPaused;
            const taken = queue.push(bytes);
            // A push that flushed may pause input, and only while the socket holds unsent bytes.
            if (queue.inputPaused && !paused) expect(sink.unsentBytes).toBeGreaterThan(0);
            expect(taken).toBe(before + bytes.length <= maxQueue);
            if (taken) accepted.push(bytes);
            else expect(queue.unsentBytes).toBe(before);
          } else if (event.kind === 'end-turn') {
            endTurn();
          } else {
            sink.drain();
          }
          expect(queue.unsentBytes).toBeLessThanOrEqual(maxQueue);
          expect(queue.queuedBytes).toBeLessThan(FLUSH_THRESHOLD);
          expect(sink.calls.every((call, i) => call === (i % 2 === 0 ? 'pause' : 'resume'))).toBe(true);
          expect(queue.inputPaused).toBe(sink.calls.length % 2 === 1);
        }
        endTurn();
        expect(Buffer.concat(sink.writes).equals(Buffer.concat(accepted))).toBe(true);
      }),
    );
  });
});
