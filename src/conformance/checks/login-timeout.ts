import { err, help, hello, line, oneOf } from '../matchers.js';
import { CLOSED } from '../probe.js';
import { describeGot, expectNext } from '../script.js';
import { CheckFailure, type Check } from '../types.js';

/** What the waiting client keeps sending, one every quarter of the timeout: none of it may extend the deadline. */
const BUSY_REQUESTS = [
  { line: (i: number) => `PING busy${i}`, reply: (i: number) => line(`PONG busy${i}`) },
  { line: () => 'HELP', reply: () => help() },
  { line: () => 'LOGIN bad!id', reply: () => err(400) },
];

export const loginDeadlineCheck: Check = {
  group: 'errors',
  name: 'errors/408-deadline-from-connect',
  title: 'the login timeout runs from connect: PING, HELP and a failed LOGIN every quarter of it do not delay ERR 408',
  skip: (limits) => (limits.loginTimeoutSeconds === undefined ? 'needs --login-timeout S (the target\'s setting)' : undefined),
  async run(ctx) {
    const timeoutMs = (ctx.limits.loginTimeoutSeconds ?? 0) * 1000;
    const connected = Date.now();
    const alice = await ctx.connect('alice');
    await expectNext(alice, hello(), ctx.timeouts.replyMs);
    // A server that restarts its timer on any request never times out while these keep coming.
    const deadline = connected + timeoutMs + ctx.timeouts.replyMs;
    const every = Math.max(1, Math.floor(timeoutMs / 4));
    ctx.note(`alice sends one of PING, HELP, "LOGIN bad!id" every ${every} ms and waits for ERR 408`);
    let wanted = [err(408)];
    for (let i = 0, nextSend = Date.now() + every; ; ) {
      const got = await alice.next(Math.max(0, Math.min(nextSend, deadline) - Date.now()));
      if (got === undefined) {
        if (Date.now() >= deadline) throw new CheckFailure(`alice < "ERR 408 <reason>" within ${timeoutMs + ctx.timeouts.replyMs} ms of connecting`, 'nothing yet');
        const request = BUSY_REQUESTS[i % BUSY_REQUESTS.length]!;
        await alice.send(Buffer.from(`${request.line(i)}\n`));
        wanted = [err(408), request.reply(i)];
        i++;
        nextSend = Date.now() + every;
        continue;
      }
      const matcher = oneOf(...wanted);
      if (got === CLOSED || !matcher.test(got)) throw new CheckFailure(`alice < ${matcher.describe}`, describeGot('alice', got, 0));
      if (err(408).test(got)) break;
    }
    if (!(await alice.waitClosed(ctx.timeouts.replyMs))) throw new CheckFailure('the server closes the connection after ERR 408', 'it stayed open');
  },
};
