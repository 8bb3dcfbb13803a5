import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server-process.js';
import { type LineSocket, SocketPool, sleep } from './line-socket.js';

// Robustness duties of docs/PROTOCOL.md section 8, each against the real server process.
describe('server robustness (e2e)', () => {
  let server: RunningServer;
  const pool = new SocketPool(() => server.port);
  const connect = () => pool.connect();
  const login = (id: string) => pool.login(id);
  /** The server still serves: a fresh connection logs in and the bystander still answers. */
  const stillServing = async (bystander: LineSocket) => {
    expect(await bystander.request('PING alive', /^PONG/)).toBe('PONG alive');
    const fresh = await login(`fresh-${pool.size}`);
    expect(await fresh.request('LIST', /^OK LIST/)).toMatch(/^OK LIST \d+ /);
  };

  beforeAll(async () => {
    server = await startServer(['--rate-limit', '0', '--max-line', '4096']);
  });
  afterAll(async () => {
    pool.destroyAll();
    expect(await server.stop()).toBe(0);
  });

  it('a PDU split into one-byte segments is handled like one segment', async () => {
    const watcher = await login('split-w');
    const client = await connect();
    const input = Buffer.from('LOGIN split-me\r\nMSG split-w h\u00e9llo split\nLIST\n');
    for (const byte of input) {
      client.send(Buffer.from([byte]));
      await sleep(1);
    }
    expect(await client.waitFor(/^OK LOGIN/)).toBe('OK LOGIN split-me');
    expect(await client.waitFor(/^OK MSG/)).toBe('OK MSG split-w');
    expect(await client.waitFor(/^OK LIST/)).toMatch(/ split-w.* split-me/);
    expect(await watcher.waitFor(/^MSG /)).toBe('MSG split-me split-w h\u00e9llo split');
  });

  it('any segmentation of a request stream gives the same replies (random splits)', async () => {
    const stream = Buffer.from('PING \u00e9t\u00e9\r\nHELP\n\nFROB\nPING x  y \nLIST\nMSG ALL\n');
    const expected = ['PONG \u00e9t\u00e9', expect.stringMatching(/^OK HELP /), expect.stringMatching(/^ERR 400 .*FROB/), 'PONG x  y ',
      expect.stringMatching(/^ERR 401 /), expect.stringMatching(/^ERR 400 /), 'PONG end'];
    const cuts = fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }).map((list) => list.sort((a, b) => a - b));
    await fc.assert(
      fc.asyncProperty(cuts, async (points) => {
        const client = await connect();
        let start = 0;
        for (const end of [...points, stream.length]) {
          client.send(stream.subarray(start, end));
          start = end;
          await sleep(2);
        }
        client.send('PING end\n');
        await client.waitFor('PONG end');
        client.destroy();
        expect(client.lines.slice(1)).toEqual(expected);
      }),
      { numRuns: 15 },
    );
  });

  it('a multi-byte UTF-8 character split across segments is one character', async () => {
    const watcher = await login('utf8-w');
    const client = await login('utf8-me');
    const bytes = Buffer.from('MSG utf8-w \u2713\u00e9\n');
    const cut = bytes.indexOf(0xe2) + 1;
    client.send(bytes.subarray(0, cut));
    await sleep(20);
    client.send(bytes.subarray(cut));
    expect(await watcher.waitFor(/^MSG /)).toBe('MSG utf8-me utf8-w \u2713\u00e9');
  });

  it('many PDUs in one segment get every reply, in order', async () => {
    const client = await connect();
    const pings = Array.from({ length: 100 }, (_, i) => `PING ${i}\n`).join('');
    client.send(`LOGIN batch-me\n${pings}HELP\n`);
    await client.waitFor(/^OK HELP/);
    const replies = client.lines.slice(1);
    expect(replies).toEqual(['OK LOGIN batch-me', ...Array.from({ length: 100 }, (_, i) => `PONG ${i}`), expect.stringMatching(/^OK HELP/)]);
  });

  it('garbage and binary input: errors for the sender, nothing for the others', async () => {
    const bystander = await login('garbage-w');
    const client = await connect();
    // A deterministic pseudo-random byte soup with LFs, NULs, invalid UTF-8 and escapes.
    let seed = 42;
    const soup = Buffer.alloc(64 * 1024, 0);
    for (let i = 0; i < soup.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      soup[i] = seed % 17 === 0 ? 0x0a : seed & 0xff;
    }
    client.send(soup);
    client.send('\n\x00\x01\xff\xfe\n\x1b[2J\nMSG ALL \x07\n');
    // This server answers garbage with errors and keeps the connection (the spec also allows a drop).
    expect(await client.request('PING after-garbage', /^PONG/, 10_000)).toBe('PONG after-garbage');
    expect(client.lines.filter((line) => line.startsWith('ERR 400')).length).toBeGreaterThan(10);
    expect(bystander.unread()).toEqual([]);
    await stillServing(bystander);
  });

  it('a 10 MB line without LF: one 413, the rest discarded, the connection usable, others unaffected', async () => {
    const bystander = await login('long-w');
    const client = await login('long-me');
    const chunk = Buffer.alloc(64 * 1024, 'x'.charCodeAt(0));
    let sent = 0;
    while (sent < 10 * 1024 * 1024) {
      if (!client.socket.write(chunk)) await new Promise((resolve) => client.socket.once('drain', resolve));
      sent += chunk.length;
      if (sent % (2 * 1024 * 1024) === 0) expect(await bystander.request(`PING ${sent}`, /^PONG/)).toBe(`PONG ${sent}`);
    }
    client.send('\nPING after-long\n');
    expect(await client.waitFor(/^PONG/, 10_000)).toBe('PONG after-long');
    expect(client.lines.filter((line) => line.startsWith('ERR'))).toEqual([
      'ERR 413 line too long, discarded: max 4096 bytes including LF',
    ]);
    expect(bystander.lines.filter((line) => /^(MSG|ERR)/.test(line))).toEqual([]);
    await stillServing(bystander);
  });

  it('a line of exactly max-line bytes passes, one byte more is 413', async () => {
    const client = await connect();
    const fit = `PING ${'y'.repeat(4096 - 'PING \n'.length)}\n`;
    expect(Buffer.byteLength(fit)).toBe(4096);
    client.send(fit);
    expect(await client.waitFor(/^(PONG|ERR)/)).toMatch(/^PONG y+$/);
    client.send(`PING z${fit.slice(5)}`);
    expect(await client.waitFor(/^(PONG|ERR)/)).toMatch(/^ERR 413 /);
    expect(await client.request('PING ok', /^PONG/)).toBe('PONG ok');
  });

  it('a half-closed connection gets its replies, then LEFT goes to the others', async () => {
    const watcher = await login('half-w');
    const client = await login('half-me');
    client.send('MSG ALL last words\n');
    client.socket.end();
    expect(await client.waitFor(/^OK MSG ALL/)).toMatch(/^OK MSG ALL \d+$/);
    await client.waitClosed();
    expect(await watcher.waitFor(/^MSG half-me/)).toBe('MSG half-me ALL last words');
    expect(await watcher.waitFor(/^LEFT /)).toBe('LEFT half-me');
    await stillServing(watcher);
  });

  it('a reset connection counts as logoff: LEFT to the others, the server carries on', async () => {
    const watcher = await login('reset-w');
    const client = await login('reset-me');
    client.send('PING partial-line-without-lf');
    await sleep(20);
    client.socket.resetAndDestroy();
    expect(await watcher.waitFor(/^LEFT /)).toBe('LEFT reset-me');
    // The id is free again.
    const again = await login('reset-me');
    expect(await again.request('LIST', /^OK LIST/)).toContain('reset-me');
    await stillServing(watcher);
  });

  it('a client that never reads is dropped after --max-queue; a normal client keeps receiving', async () => {
    const slowServer = await startServer(['--rate-limit', '0', '--max-queue', '65536']);
    const here = new SocketPool(() => slowServer.port);
    try {
      const loginHere = (id: string) => here.login(id);
      const flooder = await loginHere('flooder');
      const normal = await loginHere('normal');
      const slow = await loginHere('slow');
      await flooder.waitFor('JOINED slow');
      slow.socket.pause(); // never reads again: its kernel buffers fill, then the server's queue
      const text = 'f'.repeat(1000);
      const perBatch = 40;
      const batch = `MSG ALL ${text}\n`.repeat(perBatch);
      let batches = 0;
      // Bounded: at most 1000 batches (about 40 MB) to push past the kernel's socket buffers.
      while (!normal.lines.includes('LEFT slow') && batches < 1000) {
        flooder.send(batch);
        batches++;
        // Every broadcast of this batch reaches the normal client, promptly.
        for (let i = 0; i < perBatch; i++) await flooder.waitFor(/^OK MSG ALL/);
        for (let i = 0; i < perBatch; i++) await normal.waitFor(/^MSG flooder ALL/, 2000);
      }
      expect(normal.lines).toContain('LEFT slow');
      expect(normal.lines.filter((line) => line.startsWith('MSG flooder ALL'))).toHaveLength(batches * perBatch);
      expect(await flooder.request('MSG ALL after the drop', /^OK MSG ALL/)).toBe('OK MSG ALL 1');
      expect(slowServer.log()).toMatch(/slow disconnect slow consumer \(\d+ bytes unsent, max-queue 65536\)/);
      expect(await normal.request('PING still-here', /^PONG/)).toBe('PONG still-here');
    } finally {
      here.destroyAll();
      await slowServer.stop();
    }
  });
});
