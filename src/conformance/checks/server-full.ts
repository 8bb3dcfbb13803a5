import { err, hello } from '../matchers.js';
import { CLOSED, type Probe } from '../probe.js';
import { describeGot, expectNext } from '../script.js';
import { CheckFailure, type Check } from '../types.js';

export const serverFullCheck: Check = {
  group: 'errors',
  name: 'errors/503-server-full',
  title: 'with max-clients connections open, one more gets ERR 503 and is closed; a freed slot can be used',
  skip: (limits) => (limits.maxClients === undefined ? 'needs --max-clients N (the target\'s setting)' : undefined),
  plan: (limits) => `opens ${limits.maxClients} + 1 connections at once`,
  async run(ctx) {
    const max = ctx.limits.maxClients ?? 0;
    ctx.note(`opens ${max} connections, each greeted`);
    const open: Probe[] = [];
    for (let i = 0; i < max; i++) {
      const probe = await ctx.connect(`c${i}`);
      await expectNext(probe, hello(), ctx.timeouts.replyMs);
      open.push(probe);
    }
    ctx.note('one more connection');
    const extra = await ctx.connect('extra');
    // A server may greet before refusing; the refusal itself must be ERR 503 followed by the close.
    let first = await extra.next(ctx.timeouts.replyMs);
    if (first !== undefined && first !== CLOSED && hello().test(first)) first = await extra.next(ctx.timeouts.replyMs);
    if (first === undefined || first === CLOSED || !err(503).test(first)) {
      throw new CheckFailure(`extra < "ERR 503 <reason>"`, describeGot('extra', first, ctx.timeouts.replyMs));
    }
    if (!(await extra.waitClosed(ctx.timeouts.replyMs))) {
      throw new CheckFailure('the server closes the connection after ERR 503', 'the connection stayed open');
    }
    ctx.note('c0 closes; then a new connection');
    open[0]!.end();
    if (!(await open[0]!.waitClosed(ctx.timeouts.replyMs))) {
      throw new CheckFailure('the server closes c0 after its FIN', 'the connection stayed open');
    }
    const again = await ctx.connect('again');
    await expectNext(again, hello(), ctx.timeouts.replyMs);
  },
};
