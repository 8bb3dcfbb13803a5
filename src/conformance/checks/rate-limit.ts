import { err, line } from '../matchers.js';
import { CLOSED } from '../probe.js';
import { describeGot, expectNext } from '../script.js';
import { CheckFailure, type Check } from '../types.js';
import { loggedIn } from './session-tools.js';

/** Requests sent at once: well past any burst of a few seconds' worth, yet bounded (at most 6020 PINGs). */
function floodSize(rate: number): number {
  return rate * 6 + 20;
}

export const rateLimitCheck: Check = {
  group: 'errors',
  name: 'errors/429-rate-limited',
  title: 'requests faster than the rate limit get ERR 429 and are dropped; later requests work again',
  skip: (limits) => (limits.rateLimit === undefined || limits.rateLimit === 0 ? 'needs --rate-limit N (the target\'s setting, > 0)' : undefined),
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
    await new Promise((resolve) => setTimeout(resolve, 1100));
    ctx.note('alice > "PING after" (1.1 s later)');
    await alice.send(Buffer.from('PING after\n'));
    await expectNext(alice, line('PONG after'), ctx.timeouts.replyMs);
  },
};
