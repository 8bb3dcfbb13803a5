import { execa } from 'execa';

/** Why a capture could not start: one line for people, with the fix. */
export class CaptureError extends Error {
  override name = 'CaptureError';
}

export interface PacketCapture {
  file: string;
  /** Stops tcpdump (it flushes on SIGINT) and returns its closing report, e.g. `42 packets captured`. */
  stop(): Promise<string>;
}

/** Loopback for a server on 127.0.0.0/8 or localhost; every interface otherwise. */
export function captureInterface(host: string): string {
  return host === 'localhost' || host.startsWith('127.') || host === '::1' ? 'lo' : 'any';
}

const READY = /listening on /;
const PERMISSION = /permission|not permitted|You don't have/i;
const START_TIMEOUT_MS = 10_000;
/**
 * tcpdump's kernel buffer (-B, KiB). The default 2 MiB overflowed ("dropped by kernel") when a
 * broadcast burst met a busy 2-core machine; 32 MiB absorbs such a burst while tcpdump catches up.
 */
export const CAPTURE_BUFFER_KIB = '32768';

/**
 * Records the traffic of one TCP server (host and port) into a pcap with tcpdump. Resolves only
 * once tcpdump reports that it is capturing, so no packet of the run is missed.
 */
export async function startCapture(file: string, host: string, port: number): Promise<PacketCapture> {
  const iface = captureInterface(host);
  // Both ends named: a bare `port N` would also catch other connections that happen to use N
  // as their ephemeral source port.
  const filter = `tcp and ((src host ${host} and src port ${port}) or (dst host ${host} and dst port ${port}))`;
  // --immediate-mode: packets reach tcpdump at once, not in blocks the kernel hands over up to a
  // second later (a stop in between would lose them); -U: each packet is written as it comes.
  const child = execa('tcpdump', ['-i', iface, '--immediate-mode', '-U', '-B', CAPTURE_BUFFER_KIB, '-n', '-w', file, filter], {
    buffer: false,
    reject: false,
    stdin: 'ignore',
    stdout: 'ignore',
  });
  let stderr = '';
  const said = () => stderr.trim().replace(/\s*\n\s*/g, ' ');
  child.stderr!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new CaptureError(`tcpdump did not start capturing within ${START_TIMEOUT_MS}ms: ${said()}`));
    }, START_TIMEOUT_MS);
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      if (READY.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void child.then((result) => {
      clearTimeout(timer);
      // A command that cannot be spawned fails with the ENOENT of spawn in its message.
      if (result.failed && /ENOENT/.test(String((result as { message?: string }).message))) {
        reject(new CaptureError('--capture needs tcpdump, which is not installed (Debian/Ubuntu: sudo apt-get install tcpdump)'));
      } else if (PERMISSION.test(stderr)) {
        reject(new CaptureError(`tcpdump may not capture on ${iface}: run as root, or allow it once with: sudo setcap cap_net_raw,cap_net_admin=eip "$(command -v tcpdump)" (${said()})`));
      } else {
        reject(new CaptureError(`tcpdump stopped before capturing (exit ${result.exitCode}): ${said()}`));
      }
    });
  });
  return {
    file,
    async stop() {
      child.kill('SIGINT');
      await child;
      return stderr.split('\n').find((line) => /packets captured/.test(line))?.trim() ?? '';
    },
  };
}
