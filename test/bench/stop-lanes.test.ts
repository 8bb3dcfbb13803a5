import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stopLanes } from '../../src/bench/direct.js';

/** A lane whose pool close and server stop fail as told, recording that they were called. */
function lane(index: number, closeFails: boolean, stopFails: boolean, calls: string[]) {
  return {
    pool: {
      close: async () => {
        calls.push(`close ${index}`);
        if (closeFails) throw new Error(`close ${index} failed`);
      },
    },
    server: {
      stop: async () => {
        calls.push(`stop ${index}`);
        if (stopFails) throw new Error(`stop ${index} failed`);
      },
    },
  };
}

describe('stopLanes (the end of the direct workload)', () => {
  it('stops every server, whichever closes and stops fail, and then throws the first lane\'s failure', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ closeFails: fc.boolean(), stopFails: fc.boolean() }), { maxLength: 6 }), async (plan) => {
        const calls: string[] = [];
        const lanes = plan.map((p, i) => lane(i, p.closeFails, p.stopFails, calls));
        const firstFailing = plan.findIndex((p) => p.closeFails || p.stopFails);
        const outcome = stopLanes(lanes);
        if (firstFailing === -1) {
          await expect(outcome).resolves.toBeUndefined();
        } else {
          // A lane whose close and stop both fail reports the stop's: a throw in finally replaces the one before.
          const which = plan[firstFailing]!.stopFails ? 'stop' : 'close';
          await expect(outcome).rejects.toThrow(`${which} ${firstFailing} failed`);
        }
        for (let i = 0; i < plan.length; i++) {
          expect(calls.filter((call) => call === `stop ${i}`)).toHaveLength(1);
          expect(calls.indexOf(`close ${i}`)).toBeLessThan(calls.indexOf(`stop ${i}`));
        }
      }),
    );
  });
});
