import { setTimeout as sleep } from 'node:timers/promises';
import { err, help, hello, line, type Matcher } from '../matchers.js';
import { CLOSED, type Probe } from '../probe.js';
import { describeGot, expectNext } from '../script.js';
import { CheckFailure, CheckSkipped, type Check, type CheckContext, type Limits } from '../types.js';
import { loggedIn } from './session-tools.js';

/** The burst the spec sets: 4 seconds' worth of requests, rounded up. */
export function burstSize(rate: number): number {
  return Math.max(1, Math.ceil(rate * 4));
}

function needsRate(limits: Limits): string | undefined {
  return limits.rateLimit === undefined || limits.rateLimit === 0 ? 'needs --rate-limit N (the target\'s setting, > 0)' : undefined;
}

/** Over-long lines the mixed flood may send at most, in bytes: the check stays bounded whatever max-line is. */
const MIXED_FLOOD_MAX_BYTES = 16 * 1024 * 1024;

/** Requests sent at once: well past any burst of a few seconds' worth, yet bounded (at most 6020 PINGs). */
function floodSize(rate: number): number {
  return rate * 6 + 20;
}

export const rateLimitCheck: Check = {
  group: 'errors',
  name: 'errors/429-rate-limited',
  title: 'requests faster than the rate limit get ERR 429 and are dropped; later requests work again',
  skip: needsRate,
  async run(ctx) {
    const rate = ctx.limits.rateLimit ?? 0;
    const count = floodSize(rate);
    // Logged in: the flood and the wait for the refill may take longer than a short login timeout.
    const alice = await loggedIn(ctx, 'alice');
    const lines = Array.from({ length: count }, (_, i) => `PING r${i}\n`).join('');
    ctx.note(`alice > ${count} x "PING r<i>" in one write`);
    await alice.send(Buffer.from(lines));

    // Every reply is the PONG of a later request than the last one, or ERR 429; at least one 429.
    let lastPong = -1;
    let limited = 0;
    const deadline = Date.now() + ctx.timeouts.replyMs + (count / rate) * 1000;
    for (;;) {
      const got = await alice.next(Math.min(ctx.timeouts.quietMs * 2, Math.max(0, deadline - Date.now())));
      if (got === undefined) break;
      if (got === CLOSED) throw new CheckFailure('PONG or ERR 429 replies, connection kept', describeGot('alice', got, 0));
      if (err(429).test(got)) {
        limited++;
        continue;
      }
      const n = got.pdu.kind === 'PONG' && /^r\d+$/.test(got.pdu.token ?? '') ? Number(got.pdu.token!.slice(1)) : -1;
      if (n <= lastPong) throw new CheckFailure(`"PONG r<i>" in order after "PONG r${lastPong}", or ERR 429`, describeGot('alice', got, 0));
      lastPong = n;
    }
    if (limited === 0) throw new CheckFailure(`at least one ERR 429 among the replies to ${count} PINGs at once`, `no ERR 429 (last PONG r${lastPong})`);
    // After a second the bucket has refilled by `rate` requests.
    await pingAfterRefill(ctx, alice);
  },
};

/** After a second the bucket has refilled by `rate` requests: a PING is answered again. */
async function pingAfterRefill(ctx: CheckContext, probe: Probe): Promise<void> {
  await sleep(1100);
  ctx.note(`${probe.name} > "PING after" (1.1 s later)`);
  await probe.send(Buffer.from('PING after\n'));
  await expectNext(probe, line('PONG after'), ctx.timeouts.replyMs);
}

export const burstStartsFullCheck: Check = {
  group: 'errors',
  name: 'errors/429-burst-starts-full',
  title: 'a new connection may send 4 s worth of requests at once (the bucket starts full); empty lines do not count',
  skip: needsRate,
  async run(ctx) {
    const burst = burstSize(ctx.limits.rateLimit ?? 0);
    const alice = await ctx.connect('alice');
    await expectNext(alice, hello(), ctx.timeouts.replyMs);
    // Every request is followed by an empty line (LF, or CR LF): twice the burst if those counted.
    const lines = Array.from({ length: burst }, (_, i) => `PING b${i}\n${i % 2 === 0 ? '\n' : '\r\n'}`).join('');
    ctx.note(`alice > ${burst} x "PING b<i>", each followed by an empty line, in one write right after HELLO`);
    await alice.send(Buffer.from(lines));
    for (let i = 0; i < burst; i++) await expectNext(alice, line(`PONG b${i}`), ctx.timeouts.replyMs);
  },
};

/** The kinds of request in the mixed flood, and the reply each gets when it is not dropped. */
const FLOOD_KINDS: { name: string; line: (ctx: CheckContext, i: number) => string; reply: (i: number) => Matcher }[] = [
  { name: 'PING', line: (_, i) => `PING m${i}`, reply: (i) => line(`PONG m${i}`) },
  { name: 'HELP', line: () => 'HELP', reply: () => help() },
  { name: 'malformed', line: (_, i) => `FROB${i}`, reply: () => err(400) },
  { name: 'over-long', line: (ctx) => `PING ${'o'.repeat(ctx.limits.maxLine)}`, reply: () => err(413) },
];

export const oneReplyPerRequestCheck: Check = {
  group: 'errors',
  name: 'errors/429-one-per-request',
  title: 'every request counts (PING, HELP, malformed, over-long lines) and each dropped one gets its own ERR 429, in order',
  skip: needsRate,
  async run(ctx) {
    const count = floodSize(ctx.limits.rateLimit ?? 0);
    const longBytes = Math.ceil(count / FLOOD_KINDS.length) * (ctx.limits.maxLine + 1);
    if (longBytes > MIXED_FLOOD_MAX_BYTES) throw new CheckSkipped(`the flood's over-long lines would be ${longBytes} bytes (at most ${MIXED_FLOOD_MAX_BYTES})`);
    const alice = await loggedIn(ctx, 'alice');
    const kindOf = (i: number) => FLOOD_KINDS[i % FLOOD_KINDS.length]!;
    const lines = Array.from({ length: count }, (_, i) => `${kindOf(i).line(ctx, i)}\n`).join('');
    ctx.note(`alice > ${count} requests in one write, in turn: ${FLOOD_KINDS.map((kind) => kind.name).join(', ')}`);
    await alice.send(Buffer.from(lines));
    // One reply per request, in order: reply i is request i's own reply or ERR 429.
    const dropped = new Set<string>();
    const waitMs = ctx.timeouts.replyMs + (count / (ctx.limits.rateLimit ?? 1)) * 1000;
    for (let i = 0; i < count; i++) {
      const wanted = kindOf(i).reply(i);
      const got = await alice.next(waitMs);
      if (got !== undefined && got !== CLOSED && err(429).test(got)) {
        dropped.add(kindOf(i).name);
        continue;
      }
      if (got === undefined || got === CLOSED || !wanted.test(got)) {
        throw new CheckFailure(`reply ${i + 1} of ${count} (to ${kindOf(i).name}): ${wanted.describe} or "ERR 429 <reason>"`, describeGot('alice', got, waitMs));
      }
    }
    const spared = FLOOD_KINDS.map((kind) => kind.name).filter((name) => !dropped.has(name));
    if (spared.length > 0) throw new CheckFailure(`ERR 429 for some requests of every kind`, `none for ${spared.join(', ')}`);
    const extra = await alice.next(ctx.timeouts.quietMs);
    if (extra !== undefined) throw new CheckFailure(`nothing more at alice after ${count} replies`, describeGot('alice', extra, ctx.timeouts.quietMs));
    await pingAfterRefill(ctx, alice);
  },
};
