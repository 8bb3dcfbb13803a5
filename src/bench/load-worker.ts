/**
 * A load worker: a thread with its own event loop that owns a share of the bench's connections.
 * The main thread sends it commands (worker-protocol.ts) and gets one reply per command.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { nowMicros, stampedText } from './clock.js';
import { DIALECTS, type Dialect } from './dialects.js';
import { Histogram } from './histogram.js';
import { LoadClient } from './load-client.js';
import { dueBatches } from './schedule.js';
import type {
  OpenCommand,
  OpenResult,
  SendCommand,
  SendResult,
  StatsResult,
  WorkerCommand,
  WorkerReply,
  WorkerRequest,
  WorkerSetup,
} from './worker-protocol.js';

/** A sender whose socket holds this much unsent output refuses further messages (open loop). */
const BACKLOG_LIMIT = 256 * 1024;
const TICK_MS = 1;

const setup = workerData as WorkerSetup;
const dialect: Dialect = DIALECTS[setup.kind];
const latency = new Histogram();
const clients: LoadClient[] = [];
/** Event-loop utilization at the last reset: stats report this thread's busy share since then. */
let busySince = performance.eventLoopUtilization();

/**
 * Connects the clients (`concurrency` at a time) and waits for their greetings, then logs them
 * all in at once: a burst of logins, as after a server restart, which the server can answer in
 * few event-loop turns (presence notices to the same socket leave together).
 */
async function open(command: OpenCommand): Promise<OpenResult> {
  const result: OpenResult = { ready: 0, failed: 0 };
  const fail = (error: unknown) => {
    result.failed++;
    result.firstError ??= (error as Error).message;
  };
  const connected: LoadClient[] = [];
  let next = 0;
  const lane = async () => {
    while (next < command.clients.length) {
      const index = next++;
      const route = { host: setup.host, port: setup.port, localAddress: command.localAddresses[index % command.localAddresses.length]! };
      try {
        connected.push(await LoadClient.connect(command.clients[index]!, dialect, route, latency, command.timeoutMs));
      } catch (error) {
        fail(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(command.concurrency, command.clients.length) }, lane));
  await Promise.all(
    connected.map((client) =>
      client.login(command.timeoutMs).then(
        () => {
          clients.push(client);
          result.ready++;
        },
        fail,
      ),
    ),
  );
  return result;
}

/** Every client pings; once all pongs are in, nothing queued before is still on its way. */
async function sync(timeoutMs: number): Promise<void> {
  const live = clients.filter((client) => !client.closed);
  await Promise.race([
    Promise.all(
      live.map(
        (client) =>
          new Promise<void>((resolve) => {
            const wanted = client.pongs + 1;
            client.onPong = () => {
              if (client.pongs >= wanted) {
                client.onPong = undefined;
                resolve();
              }
            };
            client.socket.write(dialect.ping);
          }),
      ),
    ),
    new Promise((_, reject) => setTimeout(() => reject(new Error(`sync: no pong after ${timeoutMs} ms`)), timeoutMs)),
  ]);
  for (const client of clients) client.deliveries = 0;
  latency.reset();
  busySince = performance.eventLoopUtilization();
}

function message(client: LoadClient, micros: number): string {
  const text = stampedText(micros, setup.payloadSize);
  return client.spec.to === undefined ? dialect.broadcast(text) : dialect.direct(client.spec.to, text);
}

function send(command: SendCommand): Promise<SendResult> {
  const senders = clients.filter((client) => client.spec.role === 'sender' && !client.closed);
  const result: SendResult = { sent: 0, refused: 0 };
  if (senders.length === 0) return Promise.resolve(result);
  return command.rate > 0 ? sendAtRate(senders, command, result) : sendFlood(senders, command, result);
}

/** Open loop at `rate` messages per second: each tick writes what has come due (schedule.ts). */
function sendAtRate(senders: LoadClient[], command: SendCommand, result: SendResult): Promise<SendResult> {
  const start = performance.now();
  const startMicros = nowMicros();
  let due = 0;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsed = Math.min(performance.now() - start, command.durationMs);
      const target = Math.floor((command.rate * elapsed) / 1000);
      for (const { sender: i, count, dueMicros } of dueBatches(due, target, senders.length, startMicros, command.rate)) {
        const sender = senders[i]!;
        if (sender.closed || sender.socket.writableLength > BACKLOG_LIMIT) {
          result.refused += count;
          continue;
        }
        sender.socket.write(message(sender, dueMicros).repeat(count));
        result.sent += count;
      }
      due = target;
      if (elapsed >= command.durationMs) {
        clearInterval(timer);
        resolve(result);
      }
    }, TICK_MS);
  });
}

function sendFlood(senders: LoadClient[], command: SendCommand, result: SendResult): Promise<SendResult> {
  const deadline = performance.now() + command.durationMs;
  const sendBatch = (sender: LoadClient) => {
    if (sender.closed) return;
    sender.socket.write(message(sender, nowMicros()).repeat(command.batch) + dialect.ping);
    result.sent += command.batch;
  };
  for (const sender of senders) {
    sender.onPong = () => {
      if (performance.now() < deadline) sendBatch(sender);
    };
    for (let i = 0; i < command.depth; i++) sendBatch(sender);
  }
  return new Promise((resolve) =>
    setTimeout(() => {
      for (const sender of senders) sender.onPong = undefined;
      resolve(result);
    }, command.durationMs),
  );
}

function stats(reset: boolean): StatsResult {
  let deliveries = 0;
  let closed = 0;
  let presence = 0;
  for (const client of clients) {
    deliveries += client.deliveries;
    presence += client.presence;
    if (client.closed) closed++;
  }
  const busy = performance.eventLoopUtilization(busySince).utilization;
  const result: StatsResult = { deliveries, latency: latency.snapshot(), closed, presence, busy };
  if (reset) {
    for (const client of clients) client.deliveries = 0;
    latency.reset();
    busySince = performance.eventLoopUtilization();
  }
  return result;
}

async function run(command: WorkerCommand): Promise<unknown> {
  switch (command.op) {
    case 'open':
      return open(command);
    case 'sync':
      return sync(command.timeoutMs);
    case 'send':
      return send(command);
    case 'stats':
      return stats(command.reset);
    case 'close':
      for (const client of clients) client.socket.destroy();
      clients.length = 0;
      return undefined;
  }
}

parentPort!.on('message', ({ id, command }: WorkerRequest) => {
  run(command).then(
    (result) => parentPort!.postMessage({ id, result } satisfies WorkerReply),
    (error: unknown) => parentPort!.postMessage({ id, error: String((error as Error).message ?? error) } satisfies WorkerReply),
  );
});
