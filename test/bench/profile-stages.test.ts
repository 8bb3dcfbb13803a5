import { describe, expect, it } from 'vitest';
import { stageOfFrame, stageTimes, type CpuProfile } from '../../src/bench/profile-stages.js';

/** A profile from a list of call paths (root first) and the microseconds sampled at each path's end. */
function profileOf(paths: [frames: [functionName: string, url: string][], micros: number][]): CpuProfile {
  const nodes: CpuProfile['nodes'] = [{ id: 1, callFrame: { functionName: '(root)', url: '' }, children: [] }];
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  for (const [frames, micros] of paths) {
    let parent = nodes[0]!;
    for (const [functionName, url] of frames) {
      const node = { id: nodes.length + 1, callFrame: { functionName, url }, children: [] as number[] };
      nodes.push(node);
      parent.children!.push(node.id);
      parent = node;
    }
    samples.push(parent.id);
    timeDeltas.push(micros);
  }
  return { nodes, startTime: 1000, samples, timeDeltas };
}

const OUT = 'file:///x/dist/server/write-coalescer.js';
const VERBS = 'file:///x/dist/server/verbs.js';

describe('stageTimes (CPU of a profile by stage of the message path)', () => {
  it('gives native frames the stage of their nearest recognised caller', () => {
    const profile = profileOf([
      [[['flush', OUT], ['write', 'node:net'], ['writeBuffer', '']], 50],
      [[['flush', OUT], ['concat', 'node:buffer'], ['_copyActual', 'node:buffer']], 5],
      [[['handle', VERBS], ['from', 'node:buffer'], ['utf8Write', '']], 7],
      [[['handle', VERBS], ['find', 'file:///x/dist/server/router.js']], 3],
      [[['onStreamRead', 'node:internal/stream_base_commons'], ['emit', 'node:events']], 4],
      [[['push', 'file:///x/dist/protocol/line-decoder.js'], ['decodeUTF8', '']], 6],
      [[['(garbage collector)', '']], 2],
      [[['(program)', '']], 1],
      [[['(idle)', '']], 1000],
    ]);
    const { busyMicros, stages } = stageTimes(profile);
    expect(stages).toEqual({ read: 4, parse: 6, dispatch: 3, encode: 7, write: 55, log: 0, gc: 2, other: 1 });
    // Idle time is not busy time, and every busy microsecond is in exactly one stage.
    expect(busyMicros).toBe(78);
  });

  it('leaves a frame it does not know to its callers', () => {
    expect(stageOfFrame({ functionName: 'nextTick', url: 'node:internal/process/task_queues' })).toBeUndefined();
    expect(stageOfFrame({ functionName: 'log', url: 'file:///x/dist/server/logger.js' })).toBe('log');
  });

  it('counts only the samples inside a window of the monotonic clock', () => {
    // Samples at 1010, 1030, 1060 (start 1000 plus the deltas so far).
    const profile = profileOf([
      [[['flush', OUT]], 10],
      [[['handle', VERBS]], 20],
      [[['(garbage collector)', '']], 30],
    ]);
    expect(stageTimes(profile, { startMicros: 1020, endMicros: 1060 }).stages).toMatchObject({ dispatch: 20, write: 0, gc: 0 });
    expect(stageTimes(profile, { startMicros: 1000, endMicros: 1061 }).busyMicros).toBe(60);
  });
});
