import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { decodeLine, encodeRequest, LineDecoder, parseServerLine, PROTOCOL_VERSION } from '../protocol/index.js';

/**
 * A minimal CHAT-MSG/1 health check, as a remote caller sees the server: connect, read the HELLO
 * greeting, send `PING <token>` (allowed before LOGIN) and wait for `PONG <token>`. Used by
 * infra/azure (deploy waits with it, status reports it) and usable against any server.
 */

/** Where the check stopped. */
export const PROBE_STAGES = ['connect', 'hello', 'pong'] as const;
export type ProbeStage = (typeof PROBE_STAGES)[number];

export type ProbeResult =
  | { ok: true; greeting: string; connectMs: number; pingMs: number }
  | { ok: false; stage: ProbeStage; reason: string; code?: string };

export interface ProbeOptions {
  host: string;
  port: number;
  /** Time allowed for each stage (connect, greeting, PONG). */
  timeoutMs: number;
}

/** Longest line the probe accepts: the server's default --max-line. */
const MAX_LINE = 4096;

/** What a failure usually means, for people deploying a server behind a cloud firewall. */
const HINTS: Record<string, string> = {
  ECONNREFUSED: 'nothing listens on that port: the service is not running (yet)',
  ETIMEDOUT: 'no answer: the machine is off, a firewall rule for the port is missing, or your network blocks it',
  EHOSTUNREACH: 'no route to the host: check the address and your network',
  ENETUNREACH: 'no route to the network: check your connection',
  ENOTFOUND: 'the host name does not resolve',
  TIMEOUT: 'no answer in time: the machine is off, a firewall drops the packets, or the server hangs',
  PROTOCOL: 'something answers, but not a CHAT-MSG/1 server',
  CLOSED: 'the server closed the connection early (full, shutting down, or not a CHAT-MSG/1 server)',
};

/** One line explaining a failed probe, with its likely cause. */
export function describeFailure(result: Extract<ProbeResult, { ok: false }>): string {
  const hint = result.code === undefined ? undefined : HINTS[result.code];
  return hint === undefined ? `${result.stage}: ${result.reason}` : `${result.stage}: ${result.reason} (${hint})`;
}

export function probeServer({ host, port, timeoutMs }: ProbeOptions): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const token = `probe-${randomBytes(6).toString('hex')}`;
    const started = performance.now();
    let stage: ProbeStage = 'connect';
    let connectMs = 0;
    let pingSentAt = 0;
    let greeting = '';
    let settled = false;
    let timer: NodeJS.Timeout | undefined;

    const socket = connect({ host, port });

    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (result.ok) socket.end();
      else socket.destroy();
      resolve(result);
    };
    const fail = (reason: string, code?: string) =>
      finish(code === undefined ? { ok: false, stage, reason } : { ok: false, stage, reason, code });
    const enter = (next: ProbeStage) => {
      stage = next;
      clearTimeout(timer);
      timer = setTimeout(() => fail(`no ${next === 'connect' ? 'connection' : next.toUpperCase()} within ${timeoutMs} ms`, 'TIMEOUT'), timeoutMs);
    };

    const onLine = (text: string) => {
      const pdu = parseServerLine(text);
      if (stage === 'hello') {
        if (pdu.kind !== 'HELLO' || pdu.version !== PROTOCOL_VERSION) {
          fail(`expected "HELLO ${PROTOCOL_VERSION} ...", got ${JSON.stringify(text.slice(0, 80))}`, 'PROTOCOL');
          return;
        }
        greeting = text;
        enter('pong');
        pingSentAt = performance.now();
        socket.write(encodeRequest({ verb: 'PING', token }));
      } else if (stage === 'pong') {
        if (pdu.kind === 'PONG' && pdu.token === token) {
          finish({ ok: true, greeting, connectMs, pingMs: Math.round(performance.now() - pingSentAt) });
        } else if (pdu.kind === 'ERR' || pdu.kind === 'BYE') {
          fail(`server answered ${JSON.stringify(text.slice(0, 80))}`, 'PROTOCOL');
        }
        // Anything else (a broadcast, say) is not the answer yet: keep waiting.
      }
    };

    const decoder = new LineDecoder(MAX_LINE, {
      line(bytes) {
        const decoded = decodeLine(bytes);
        if (decoded.ok) onLine(decoded.text);
        else fail(`unreadable line from server: ${decoded.reason}`, 'PROTOCOL');
      },
      tooLong: () => fail(`line from server longer than ${MAX_LINE} bytes`, 'PROTOCOL'),
    });

    enter('connect');
    socket.on('connect', () => {
      connectMs = Math.round(performance.now() - started);
      enter('hello');
    });
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => fail(error.message, error.code));
    socket.on('close', () => fail('connection closed by the server', 'CLOSED'));
  });
}
