import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { decodeLine, encodeRequest, parseServerLine, PROTOCOL_VERSION } from '../protocol/index.js';
import { CLOSED, LineInbox } from './line-inbox.js';
import { whenConnected, type ConnectError } from './when-connected.js';

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
type ProbeFailure = Extract<ProbeResult, { ok: false }>;

export interface ProbeOptions {
  host: string;
  port: number;
  /** Time allowed for each stage (connect, greeting, PONG). */
  timeoutMs: number;
  /** Connect with TLS 1.3 (a server run with --tls), trusting `ca` (PEM) besides the system's roots. */
  tls?: { ca?: Buffer | undefined };
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
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not name this address: make it for this address',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate is not signed by a CA you trust: pass the lab CA with --ca',
  SELF_SIGNED_CERT_IN_CHAIN: 'the certificate is not signed by a CA you trust: pass the lab CA with --ca',
  CLOSED: 'the server closed the connection early (full, shutting down, or not a CHAT-MSG/1 server)',
};

/** One line explaining a failed probe, with its likely cause. */
export function describeFailure(result: ProbeFailure): string {
  const hint = result.code === undefined ? undefined : HINTS[result.code];
  return hint === undefined ? `${result.stage}: ${result.reason}` : `${result.stage}: ${result.reason} (${hint})`;
}

function failure(stage: ProbeStage, reason: string, code: string | undefined): ProbeFailure {
  return code === undefined ? { ok: false, stage, reason } : { ok: false, stage, reason, code };
}

export async function probeServer({ host, port, timeoutMs, tls }: ProbeOptions): Promise<ProbeResult> {
  const token = `probe-${randomBytes(6).toString('hex')}`;
  const started = performance.now();
  // With TLS the check starts once the handshake has verified the certificate against the address.
  const socket = tls === undefined ? connect({ host, port }) : connectTls({ host, port, ca: tls.ca, minVersion: 'TLSv1.3' });
  try {
    await whenConnected(socket, timeoutMs, tls === undefined ? 'connect' : 'secureConnect');
  } catch (error) {
    const { message, code } = error as ConnectError;
    return abort(socket, failure('connect', message, code));
  }
  const connectMs = Math.round(performance.now() - started);
  const inbox = new LineInbox(socket, MAX_LINE);

  const hello = await nextLine(inbox, 'hello', timeoutMs);
  if (typeof hello !== 'string') return abort(socket, hello);
  const greeting = parseServerLine(hello);
  if (greeting.kind !== 'HELLO' || greeting.version !== PROTOCOL_VERSION) {
    return abort(socket, failure('hello', `expected "HELLO ${PROTOCOL_VERSION} ...", got ${JSON.stringify(hello.slice(0, 80))}`, 'PROTOCOL'));
  }

  const pingSentAt = performance.now();
  socket.write(encodeRequest({ verb: 'PING', token }));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await nextLine(inbox, 'pong', deadline - Date.now(), timeoutMs);
    if (typeof text !== 'string') return abort(socket, text);
    const pdu = parseServerLine(text);
    if (pdu.kind === 'PONG' && pdu.token === token) {
      socket.end();
      return { ok: true, greeting: hello, connectMs, pingMs: Math.round(performance.now() - pingSentAt) };
    }
    if (pdu.kind === 'ERR' || pdu.kind === 'BYE') return abort(socket, failure('pong', `server answered ${JSON.stringify(text.slice(0, 80))}`, 'PROTOCOL'));
    // Anything else (a broadcast, say) is not the answer yet: keep waiting.
  }
}

function abort(socket: Socket, result: ProbeFailure): ProbeFailure {
  socket.destroy();
  return result;
}

/** The next line as text, or why there is none: no line in time (`allowedMs` is what the message says), a close, a broken line. */
async function nextLine(inbox: LineInbox, stage: ProbeStage, waitMs: number, allowedMs = waitMs): Promise<string | ProbeFailure> {
  const entry = await inbox.next(waitMs);
  if (entry === undefined) return failure(stage, `no ${stage.toUpperCase()} within ${allowedMs} ms`, 'TIMEOUT');
  if (entry === CLOSED) {
    const error = inbox.error;
    return error === undefined ? failure(stage, 'connection closed by the server', 'CLOSED') : failure(stage, error.message, error.code);
  }
  if (entry.kind === 'too-long') return failure(stage, `line from server longer than ${MAX_LINE} bytes`, 'PROTOCOL');
  const decoded = decodeLine(entry.bytes);
  return decoded.ok ? decoded.text : failure(stage, `unreadable line from server: ${decoded.reason}`, 'PROTOCOL');
}
