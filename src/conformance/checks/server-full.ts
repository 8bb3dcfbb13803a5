import { err, hello } from '../matchers.js';
import type { Probe } from '../probe.js';
import { expectNext } from '../script.js';
import { CheckFailure, type Check } from '../types.js';
import { loggedIn } from './session-tools.js';

const BATCH = 50;

export const serverFullCheck: Check = {
  group: 'errors',
  name: 'errors/503-server-full',
  title: 'with max-clients connections open, one more gets ERR 503 instead of HELLO and is closed; a freed slot can be used',
  skip: (limits) => (limits.maxClients === undefined ? 'needs --max-clients N (the target\'s setting)' : undefined),
  plan: (limits) => `503-server-full: opens ${limits.maxClients} connections, logs each in, then opens one more`,
  async run(ctx) {
    const max = ctx.limits.maxClients ?? 0;
    ctx.note(`opens ${max} connections, each logged in`);
    // Logged in, so that the login timeout cannot free slots while the check fills them.
    const open: Probe[] = [];
    for (let at = 0; at < max; at += BATCH) {
      const names = Array.from({ length: Math.min(BATCH, max - at) }, (_, i) => `c${at + i}`);
      open.push(...(await Promise.all(names.map((name) => loggedIn(ctx, name)))));
    }
    ctx.note('one more connection');
    const extra = await ctx.connect('extra');
    // ERR 503 comes instead of HELLO (section 6), then the close.
    await expectNext(extra, err(503), ctx.timeouts.replyMs);
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
