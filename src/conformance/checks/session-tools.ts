import { setTimeout as sleep } from 'node:timers/promises';
import { err, hello, line } from '../matchers.js';
import type { Probe, Received } from '../probe.js';
import { describeGot, expectNext } from '../script.js';
import { CheckFailure, type CheckContext } from '../types.js';

/**
 * Connects and logs in `name`, skipping presence lines of other clients on the way (checks
 * written as code run many clients at once, so JOINED lines interleave).
 */
export async function loggedIn(ctx: CheckContext, name: string): Promise<Probe> {
  const probe = await ctx.connect(name);
  await expectNext(probe, hello(), ctx.timeouts.replyMs);
  await probe.send(Buffer.from(`LOGIN ${ctx.id(name)}\n`));
  await waitForLine(probe, `OK LOGIN ${ctx.id(name)}`, ctx.timeouts.replyMs);
  return probe;
}

/** Waits for this exact line, passing over presence lines (JOINED/LEFT); anything else fails. */
export async function waitForLine(probe: Probe, text: string, withinMs: number): Promise<void> {
  const wanted = line(text);
  const { found, skipped } = await probe.waitFor((got) => wanted.test(got) || !isPresence(got), withinMs);
  if (found && wanted.test(found)) return;
  const got = found ?? (probe.closed ? 'closed' : undefined);
  throw new CheckFailure(`${probe.name} < ${wanted.describe}`, `${describeGot(probe.name, got, withinMs)} (after ${skipped.length} presence lines)`);
}

/** JOINED and LEFT: lines about others that code checks with many clients pass over. */
export function isPresence(got: { pdu: { kind: string } }): boolean {
  return got.pdu.kind === 'JOINED' || got.pdu.kind === 'LEFT';
}

/** True for ERR 429. */
export const rateLimited = err(429).test;

/**
 * Measures how long `probe` waits for PONGs while something else loads the server: a PING
 * every `everyMs` until `stop()` says so. Returns the slowest round trip in ms, or the first
 * one over `limitMs` (then it stops early). Other lines go to `seen`: it is the probe's only reader.
 */
export async function watchRoundTrips(
  probe: Probe,
  everyMs: number,
  limitMs: number,
  stop: () => boolean,
  seen: (line: Received) => void = () => {},
): Promise<number> {
  let slowest = 0;
  for (let i = 0; !stop(); i++) {
    const started = Date.now();
    await probe.send(Buffer.from(`PING watch${i}\n`));
    const wanted = line(`PONG watch${i}`);
    const { found, skipped } = await probe.waitFor((got) => wanted.test(got), limitMs);
    skipped.forEach(seen);
    const took = Date.now() - started;
    slowest = Math.max(slowest, found ? took : Number.POSITIVE_INFINITY);
    if (!found) return slowest;
    await sleep(everyMs);
  }
  return slowest;
}
