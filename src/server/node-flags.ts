/**
 * Node options every launcher of the server passes before its entry point (the bench, the
 * scenario runner, the lab agent, `npm run server`, the Azure unit).
 *
 * --max-semi-space-size=4 (MiB; Node 20's default on 64-bit is 16): a login storm or a flood
 * grows V8's young generation to its maximum, and an idle server never gives it back, since
 * without allocation there is no collection to shrink it. At 10,000 idle clients that was
 * about 40 MiB, more than everything else the clients hold (docs/PERFORMANCE.md: 6.9-7.1 KiB
 * per idle client with the default, 2.7-2.8 with this). Direct and fan-out throughput did not
 * move beyond the spread between runs with it.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
