import { setTimeout as sleep } from 'node:timers/promises';
import { err, hello, line, showReceived } from '../matchers.js';
import { CLOSED, type Probe } from '../probe.js';
import { expectNext } from '../script.js';
import { CheckFailure, CheckSkipped, HARD_BOUNDS, type Check, type CheckContext, type Limits } from '../types.js';
import { isPresence, loggedIn, rateLimited, waitForLine, watchRoundTrips } from './session-tools.js';

/** Bounds of the slow-reader flood: bytes beyond max-queue (kernel buffers absorb some), time, connections. */
const SLOW_READER = { extraBytes: 16 * 1024 * 1024, maxMs: 20_000, flooders: 16, window: 32 } as const;
const FLOODER = { requests: 20_000, maxMs: 5000, batch: 200 } as const;
const HUGE_LINE = { bytes: 10 * 1024 * 1024, chunk: 64 * 1024, maxMs: 10_000 } as const;
const GARBAGE = { bytes: 16 * 1024, seed: 0x5eed } as const;

/**
 * Others are not slowed down when the watcher's PINGs during the load are answered within the
 * normal reply timeout: a server that blocks on a slow reader or a flooder never answers at all.
 */
function notSlowedDown(ctx: CheckContext, slowestMs: number): void {
  if (slowestMs > ctx.timeouts.replyMs) {
    throw new CheckFailure(`the watcher's PINGs answered within ${ctx.timeouts.replyMs} ms during the flood`, `slowest round trip ${slowestMs} ms`);
  }
}

/** How many flooders the slow-reader check uses: it also needs the slow reader and a watcher. */
function flooderCount(limits: Limits): number {
  return Math.max(1, Math.min(SLOW_READER.flooders, (limits.maxClients ?? Number.POSITIVE_INFINITY) - 2));
}

/** The robustness group never opens more connections than the target allows or HARD_BOUNDS permits. */
export function connectionCount(limits: Limits): number {
  const allowed = limits.maxClients === undefined ? limits.connections : Math.min(limits.connections, limits.maxClients);
  return Math.max(2, Math.min(allowed, HARD_BOUNDS.connections));
}

function floodLine(ctx: CheckContext, target: string, n: number): string {
  const head = `MSG ${target} flood ${n} `;
  return `${head}${'f'.repeat(Math.max(1, ctx.limits.maxLine - head.length - 1))}\n`;
}

const slowReader: Check = {
  group: 'robustness',
  name: 'robustness/slow-reader',
  title: 'a client that never reads while others flood it is dropped (LEFT) after max-queue; others are not slowed',
  plan: (limits) =>
    `slow-reader: 1 client stops reading, up to ${flooderCount(limits)} clients send it max-line messages ` +
    `(at most ${limits.maxQueue + SLOW_READER.extraBytes} bytes, ${SLOW_READER.maxMs / 1000} s)`,
  async run(ctx) {
    const slow = await loggedIn(ctx, 'slow');
    slow.stopReading();
    const watcher = await loggedIn(ctx, 'watcher');
    const flooders: Probe[] = [];
    for (let i = 0; i < flooderCount(ctx.limits); i++) flooders.push(await loggedIn(ctx, `flood${i}`));
    const budget = ctx.limits.maxQueue + SLOW_READER.extraBytes;
    const deadline = Date.now() + SLOW_READER.maxMs;
    const left = line(`LEFT ${ctx.id('slow')}`);
    let sent = 0;
    let dropped = false;
    let throttled = 0;
    ctx.note(`${flooders.length} flooders > "MSG ${ctx.id('slow')} <${ctx.limits.maxLine} bytes>" until LEFT or ${budget} bytes`);

    const stop = () => dropped || sent >= budget || Date.now() > deadline || throttled === flooders.length;
    // Each flooder keeps at most `window` messages unanswered, so `sent` counts what the server has taken.
    const flood = async (probe: Probe) => {
      let unanswered = 0;
      for (let n = 0; !stop(); n++) {
        if (unanswered >= SLOW_READER.window) {
          const got = await probe.next(Math.max(0, deadline - Date.now()));
          if (got === undefined || got === CLOSED) return;
          if (rateLimited(got)) {
            throttled++;
            return;
          }
          if (got.pdu.kind === 'OK' || got.pdu.kind === 'ERR') unanswered--;
          continue;
        }
        const message = floodLine(ctx, ctx.id('slow'), n);
        await probe.send(Buffer.from(message));
        unanswered++;
        sent += message.length;
      }
    };
    const [slowest] = await Promise.all([
      watchRoundTrips(watcher, 100, ctx.timeouts.replyMs * 2, stop, (got) => {
        dropped ||= left.test(got);
      }),
      ...flooders.map((probe) => flood(probe)),
    ]);
    notSlowedDown(ctx, slowest);
    // The last messages may still be on their way through the server: give the LEFT a moment.
    if (dropped || (await watcher.waitFor((got) => left.test(got), ctx.timeouts.replyMs)).found) return;
    if (throttled === flooders.length) {
      throw new CheckSkipped(`the target's rate limit (ERR 429) stopped all ${flooders.length} flooders after ${sent} bytes, before the queue filled`);
    }
    throw new CheckFailure(
      `LEFT ${ctx.id('slow')} once its unsent output passed max-queue (${ctx.limits.maxQueue} bytes)`,
      `still online after ${sent} bytes sent to it in ${SLOW_READER.maxMs / 1000} s at most`,
    );
  },
};

const flooder: Check = {
  group: 'robustness',
  name: 'robustness/flooder',
  title: 'a client flooding PINGs gets PONG or ERR 429 (or is cut off); other clients are not slowed',
  plan: () => `flooder: 1 client sends up to ${FLOODER.requests} PINGs in ${FLOODER.maxMs / 1000} s`,
  async run(ctx) {
    const noisy = await loggedIn(ctx, 'noisy');
    const watcher = await loggedIn(ctx, 'watcher');
    const deadline = Date.now() + FLOODER.maxMs;
    let sent = 0;
    let cutOff = false;
    let wrongReply = '';
    ctx.note(`noisy > up to ${FLOODER.requests} x "PING n<i>"`);
    const stop = () => cutOff || wrongReply !== '' || sent >= FLOODER.requests || Date.now() > deadline;
    const flood = async () => {
      while (!stop()) {
        const batch = Array.from({ length: FLOODER.batch }, (_, i) => `PING n${sent + i}\n`).join('');
        try {
          await noisy.send(Buffer.from(batch));
        } catch {
          cutOff = true;
          return;
        }
        sent += FLOODER.batch;
        for (let got = await noisy.next(0); got !== undefined; got = await noisy.next(0)) {
          if (got === CLOSED) {
            cutOff = true;
            return;
          }
          if (got.pdu.kind !== 'PONG' && !rateLimited(got) && !isPresence(got)) wrongReply = showReceived(got);
        }
        await sleep(0);
      }
    };
    const [slowest] = await Promise.all([watchRoundTrips(watcher, 100, ctx.timeouts.replyMs * 2, stop), flood()]);
    if (wrongReply) throw new CheckFailure('noisy < "PONG n<i>" or "ERR 429 <reason>"', `noisy < ${wrongReply}`);
    notSlowedDown(ctx, slowest);
    const late = await ctx.connect('late');
    await expectNext(late, hello(), ctx.timeouts.replyMs);
  },
};

const manyConnections: Check = {
  group: 'robustness',
  name: 'robustness/many-connections',
  title: 'hundreds of clients log in at once, a broadcast reaches all of them, and all leave cleanly',
  plan: (limits) => `many-connections: opens ${connectionCount(limits)} connections at once, logs each in, one broadcast`,
  async run(ctx) {
    const count = connectionCount(ctx.limits);
    ctx.note(`opens ${count} connections and logs each in`);
    const probes: Probe[] = [];
    for (let at = 0; at < count; at += 50) {
      const names = Array.from({ length: Math.min(50, count - at) }, (_, i) => `m${at + i}`);
      probes.push(...(await Promise.all(names.map((name) => loggedIn(ctx, name)))));
    }
    const waitMs = ctx.timeouts.replyMs * 5;
    ctx.note(`m0 > "MSG ALL roll call"`);
    await probes[0]!.send(Buffer.from('MSG ALL roll call\n'));
    await waitForLine(probes[0]!, `OK MSG ALL ${count - 1}`, waitMs);
    const text = `MSG ${ctx.id('m0')} ALL roll call`;
    await Promise.all(probes.slice(1).map((probe) => waitForLine(probe, text, waitMs)));
    ctx.note('every connection closes (FIN)');
    for (const probe of probes) probe.end();
    const stillOpen = (await Promise.all(probes.map((probe) => probe.waitClosed(waitMs)))).filter((ok) => !ok).length;
    if (stillOpen > 0) throw new CheckFailure('the server closes every connection after its FIN', `${stillOpen} still open`);
    const last = await loggedIn(ctx, 'last');
    await last.send(Buffer.from('LIST\n'));
    await waitForLine(last, `OK LIST 1 ${ctx.id('last')}`, ctx.timeouts.replyMs);
  },
};

const hugeLine: Check = {
  group: 'robustness',
  name: 'robustness/huge-line',
  title: 'a 10 MB line without LF gets one ERR 413 and the connection stays usable; other clients carry on',
  plan: () => `huge-line: 1 client sends ${HUGE_LINE.bytes / 1024 / 1024} MB without a LF`,
  async run(ctx) {
    const bob = await loggedIn(ctx, 'bob');
    // Logged in: sending 10 MB may take longer than a short login timeout.
    const alice = await loggedIn(ctx, 'alice');
    ctx.note(`alice > ${HUGE_LINE.bytes} x "x" (no LF)`);
    const chunk = Buffer.alloc(HUGE_LINE.chunk, 'x');
    const deadline = Date.now() + HUGE_LINE.maxMs;
    // A send on a connection the server dropped throws: the check fails with that reason.
    for (let sent = 0; sent < HUGE_LINE.bytes && Date.now() < deadline; sent += chunk.length) await alice.send(chunk);
    // Section 8: at most max-line bytes buffered, one ERR 413, and the connection stays usable.
    ctx.note('alice > "\\nPING after\\n"');
    await alice.send(Buffer.from('\nPING after\n'));
    await expectNext(alice, err(413), ctx.timeouts.replyMs);
    await expectNext(alice, line('PONG after'), ctx.timeouts.replyMs);
    await bob.send(Buffer.from('PING bob\n'));
    await waitForLine(bob, 'PONG bob', ctx.timeouts.replyMs);
  },
};

/** A deterministic byte stream (xorshift32), so a failure can be replayed exactly. */
function garbage(bytes: number, seed: number): Buffer {
  const out = Buffer.alloc(bytes);
  let x = seed;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const binaryGarbage: Check = {
  group: 'robustness',
  name: 'robustness/garbage',
  title: 'random binary data gets error replies or a disconnect; other clients carry on',
  plan: () => `garbage: 1 client sends ${GARBAGE.bytes / 1024} KiB of random bytes`,
  async run(ctx) {
    const bob = await loggedIn(ctx, 'bob');
    const alice = await ctx.connect('alice');
    await expectNext(alice, hello(), ctx.timeouts.replyMs);
    ctx.note(`alice > ${GARBAGE.bytes} random bytes (xorshift32 seed ${GARBAGE.seed}), then "\\nPING after\\n"`);
    try {
      await alice.send(Buffer.concat([garbage(GARBAGE.bytes, GARBAGE.seed), Buffer.from('\nPING after\n')]));
    } catch {
      // Cut off while sending: allowed.
    }
    const pong = line('PONG after');
    let throttled = false;
    for (let retried = false; ; ) {
      const got = await alice.next(ctx.timeouts.replyMs);
      if (got === CLOSED || (got !== undefined && pong.test(got))) break;
      if (got === undefined && throttled && !retried) {
        // The PING itself may have been dropped by the rate limit: ask once more after it refilled.
        retried = true;
        await sleep(1500);
        await alice.send(Buffer.from('PING after\n'));
        continue;
      }
      if (got === undefined) throw new CheckFailure('alice < "PONG after" (after the error replies) or a disconnect', 'nothing');
      if (got.pdu.kind !== 'ERR') throw new CheckFailure('alice < only ERR replies to garbage', `alice < ${showReceived(got)}`);
      throttled ||= rateLimited(got);
    }
    await bob.send(Buffer.from('PING bob\n'));
    await waitForLine(bob, 'PONG bob', ctx.timeouts.replyMs);
  },
};

export const robustnessChecks: Check[] = [slowReader, flooder, manyConnections, hugeLine, binaryGarbage];
