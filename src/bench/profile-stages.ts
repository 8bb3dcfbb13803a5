/**
 * Where a server's CPU went, by stage of the message path, from a V8 `.cpuprofile` (node
 * --cpu-prof). Each sample's time goes to the stage of the nearest frame, from the sampled
 * function up its callers, that a rule recognises: `writeBuffer` under the output queue is the
 * write, `Buffer.from` under a verb handler is the encoding, the stream code that delivers a read
 * chunk is the read. Pure: a parsed profile in, times out.
 */

/** The stages of a request's path through the server, in path order. */
export const STAGES = ['read', 'parse', 'dispatch', 'encode', 'write', 'log', 'gc', 'other'] as const;
export type Stage = (typeof STAGES)[number];

/** What each stage covers, for the report. */
export const STAGE_MEANING: Record<Stage, string> = {
  read: "socket read callback and the stream's data event",
  parse: 'LineDecoder, UTF-8 decode, parseRequest, client-id checks',
  dispatch: 'transport callbacks, Session.receive, the verb handler, Router',
  encode: 'server line templates and Buffer.from of them',
  write: 'output queue, Buffer.concat, the socket write and its syscall',
  log: 'log line, its timestamp, the batched write of the log',
  gc: "V8's garbage collector",
  other: 'timers, ticks, module loading, native code not under a known frame',
};

/** The parts of a V8 CPU profile this module reads (Chrome DevTools' Profile format). */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  /** Microseconds of the monotonic clock (the bench's nowMicros) when profiling started. */
  startTime: number;
  samples: number[];
  /** Microseconds since the previous sample, one per sample. */
  timeDeltas: number[];
}

export interface StageTimes {
  /** Sampled time the thread was not idle, in microseconds. */
  busyMicros: number;
  /** Microseconds per stage; they add up to busyMicros. */
  stages: Record<Stage, number>;
}

type Frame = CpuProfile['nodes'][number]['callFrame'];

/** Our source files by stage (matched on the end of the frame's URL). */
const OUR_FILES: [suffix: string, stage: Stage][] = [
  ['/protocol/line-decoder.js', 'parse'],
  ['/protocol/request.js', 'parse'],
  ['/protocol/secure-request.js', 'parse'],
  ['/protocol/text.js', 'parse'],
  ['/protocol/client-id.js', 'parse'],
  ['/protocol/server-pdu.js', 'encode'],
  ['/server/write-coalescer.js', 'write'],
  ['/server/logger.js', 'log'],
  ['/server/log-batcher.js', 'log'],
  ['/cli/server.js', 'log'],
  ['/server/transport.js', 'dispatch'],
  ['/server/session.js', 'dispatch'],
  ['/server/verbs.js', 'dispatch'],
  ['/server/secure-verbs.js', 'dispatch'],
  ['/server/router.js', 'dispatch'],
];

/** The stage a single frame stands for, or undefined when its callers must decide. */
export function stageOfFrame({ functionName, url }: Frame): Stage | undefined {
  if (functionName === '(garbage collector)') return 'gc';
  for (const [suffix, stage] of OUR_FILES) if (url.endsWith(suffix)) return stage;
  // Native socket writes and the stream code that queues them.
  if (functionName === 'writeBuffer' || functionName === 'writev' || functionName === 'writeUtf8String') return 'write';
  if (url.includes('internal/streams/writable') || (url === 'node:buffer' && functionName === 'concat')) return 'write';
  if (functionName === 'writeGeneric' || functionName === 'writevGeneric' || functionName === 'createWriteWrap') return 'write';
  if (url === 'node:buffer' && functionName === 'from') return 'encode';
  if (functionName === 'decodeUTF8' || url === 'node:internal/encoding' || functionName.startsWith('RegExp: ')) return 'parse';
  if (functionName === 'onStreamRead' || url.includes('internal/streams/readable')) return 'read';
  return undefined;
}

/** A span of the monotonic clock, in microseconds (as nowMicros): [start, end). */
export interface Window {
  startMicros: number;
  endMicros: number;
}

/**
 * Attributes every sampled microsecond to a stage; '(idle)' time is left out. With a window,
 * only the samples taken in it count (V8 stamps samples with the same monotonic clock as the
 * bench's phases).
 */
export function stageTimes(profile: CpuProfile, window?: Window): StageTimes {
  const parent = new Map<number, number>();
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const memo = new Map<number, Stage | 'idle'>();
  const stageOf = (id: number): Stage | 'idle' => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const node = nodes.get(id);
    let stage: Stage | 'idle';
    if (node === undefined) stage = 'other';
    else if (node.callFrame.functionName === '(idle)') stage = 'idle';
    else {
      const up = parent.get(id);
      stage = stageOfFrame(node.callFrame) ?? (up === undefined ? 'other' : stageOf(up));
      if (stage === 'idle') stage = 'other';
    }
    memo.set(id, stage);
    return stage;
  };
  const stages = Object.fromEntries(STAGES.map((stage) => [stage, 0])) as Record<Stage, number>;
  let busyMicros = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    at += micros;
    if (window !== undefined && (at < window.startMicros || at >= window.endMicros)) return;
    const stage = stageOf(id);
    if (stage === 'idle') return;
    stages[stage] += micros;
    busyMicros += micros;
  });
  return { busyMicros, stages };
}
