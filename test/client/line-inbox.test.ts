import fc from 'fast-check';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CLOSED, LineInbox, type InboxEntry } from '../../src/client/line-inbox.js';

/** A real connection on 127.0.0.1: `peer` is the server's end we write with, `inbox` reads the client's end. */
interface Pair {
  peer: Socket;
  client: Socket;
  inbox: LineInbox;
}

const servers: Server[] = [];
const sockets: Socket[] = [];

async function pair(maxLine = 64): Promise<Pair> {
  let accepted!: (socket: Socket) => void;
  const peerReady = new Promise<Socket>((resolve) => (accepted = resolve));
  const server = createServer((socket) => accepted(socket));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const client = connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
  const inbox = new LineInbox(client, maxLine);
  const peer = await peerReady;
  sockets.push(peer, client);
  return { peer, client, inbox };
}

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

function text(entry: InboxEntry | typeof CLOSED | undefined): string | typeof CLOSED | undefined {
  if (entry === undefined || entry === CLOSED) return entry;
  return entry.kind === 'line' ? entry.bytes.toString('utf8') : '<too long>';
}

/** Takes entries until CLOSED; each wait has a deadline, so a missing close fails instead of hanging. */
async function drain(inbox: LineInbox): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const entry = text(await inbox.next(5000));
    if (entry === undefined) throw new Error(`no close; got ${JSON.stringify(seen)}`);
    if (entry === CLOSED) return seen;
    seen.push(entry);
  }
}

describe('LineInbox', () => {
  it('hands over lines in order, without LF or CR LF, however the peer cuts its writes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.stringMatching(/^[a-z ]{0,20}$/), { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 7 })), async (lines, cuts) => {
        const { peer, inbox } = await pair();
        const bytes = Buffer.from(lines.map((line, index) => `${line}${index % 2 ? '\r\n' : '\n'}`).join(''));
        let at = 0;
        for (const cut of cuts) {
          if (at >= bytes.length) break;
          peer.write(bytes.subarray(at, at + cut));
          at += cut;
        }
        peer.end(bytes.subarray(at));
        expect(await drain(inbox)).toEqual(lines);
      }),
      { numRuns: 25 },
    );
  });

  it('keeps lines received before the close: CLOSED comes only once they are taken', async () => {
    const { peer, inbox } = await pair();
    peer.end('first\nsecond\nunterminated');
    expect(await inbox.waitClosed(5000)).toBe(true);
    expect(inbox.closed).toBe(true);
    expect(inbox.pending).toBe(2);
    expect(text(await inbox.next(0))).toBe('first');
    expect(text(inbox.take())).toBe('second');
    // The bytes after the last LF were never a line.
    expect(await inbox.next(0)).toBe(CLOSED);
    expect(await inbox.next(1000)).toBe(CLOSED);
  });

  it('returns undefined when nothing arrives in time, and the line once it does', async () => {
    const { peer, inbox } = await pair();
    expect(await inbox.next(50)).toBeUndefined();
    expect(await inbox.waitClosed(50)).toBe(false);
    const waiting = inbox.next(5000);
    peer.write('late\n');
    expect(text(await waiting)).toBe('late');
  });

  it('wakes every waiter: two readers waiting at once both get an entry', async () => {
    const { peer, inbox } = await pair();
    const first = inbox.next(5000);
    const second = inbox.next(5000);
    peer.write('one\ntwo\n');
    expect([text(await first), text(await second)].sort()).toEqual(['one', 'two']);
  });

  it('marks an over-long line once, skips its bytes, and reads the next line normally', async () => {
    const { peer, inbox } = await pair(16);
    peer.write(`${'x'.repeat(100)}\nshort\n`);
    expect(text(await inbox.next(5000))).toBe('<too long>');
    expect(text(await inbox.next(5000))).toBe('short');
    // A hostile peer that never sends LF costs at most maxLine bytes and yields nothing more.
    peer.write('y'.repeat(10_000));
    peer.end();
    expect(await drain(inbox)).toEqual(['<too long>']);
  });

  it('gives each line its own bytes: a later chunk does not change an entry already queued', async () => {
    const { peer, inbox } = await pair();
    peer.write('abc\nde');
    const entry = await inbox.next(5000);
    peer.end('f\n');
    expect(await drain(inbox)).toEqual(['def']);
    expect(text(entry)).toBe('abc');
  });

  it('keeps the socket error that ended the connection (a reset from the peer)', async () => {
    const { peer, inbox } = await pair();
    peer.write('before\n');
    expect(text(await inbox.next(5000))).toBe('before');
    peer.resetAndDestroy();
    expect(await inbox.waitClosed(5000)).toBe(true);
    expect(await inbox.next(1000)).toBe(CLOSED);
    expect(inbox.error?.code).toBe('ECONNRESET');
  });

  it('has no error after a clean close, and waits end at once after it', async () => {
    const { peer, inbox } = await pair();
    peer.end();
    await inbox.whenClosed;
    expect(inbox.error).toBeUndefined();
    expect(await inbox.waitClosed(0)).toBe(true);
  });
});
