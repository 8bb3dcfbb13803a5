import { execa, type ResultPromise } from 'execa';
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { captureArgs } from '../../../src/scenario/capture-tools.js';

/**
 * A BPF filter for the connections of one server endpoint only. `tcp port N` alone also catches
 * other tests' connections to another 127.0.0.x address that happens to listen on port N.
 */
export function serverBpf(host: string, port: number): string {
  return `tcp and ((src host ${host} and src port ${port}) or (dst host ${host} and dst port ${port}))`;
}

export interface LoopbackCapture {
  /** Waits for packets in flight, stops tcpdump and resolves once the file is complete. */
  stop(): Promise<void>;
}

/**
 * Starts a real tcpdump on the loopback interface (or `iface`: `any` gives Linux cooked headers
 * instead of Ethernet) writing `file` (packet-buffered, so nothing
 * is lost at stop; immediate mode, so the kernel does not hold packets back in a buffer block
 * that a stop would drop), with a BPF filter such as `tcp port 5151`, and waits until it listens.
 */
export async function captureLoopback(file: string, filter: string, iface = 'lo'): Promise<LoopbackCapture> {
  const child: ResultPromise = execa('tcpdump', captureArgs('tcpdump', iface, file, filter), {
    reject: false,
    buffer: false,
    stdin: 'ignore',
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start:\n${log}`)), 10_000);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      log += chunk;
      if (log.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`tcpdump exited:\n${log}`)));
  });
  return {
    async stop() {
      // tcpdump -U writes each packet as it reads it: once the file stops growing, it has caught
      // up with the kernel (a fixed sleep lost the last packets on a loaded machine).
      let size = -1;
      const deadline = Date.now() + 5000;
      for (;;) {
        await sleep(250);
        const now = (await stat(file)).size;
        if (now === size || Date.now() > deadline) break;
        size = now;
      }
      child.kill('SIGINT');
      await child;
      // A capture with holes would make the dissector tests fail for the wrong reason: say so.
      const dropped = Number(/(\d+) packets? dropped by kernel/.exec(log)?.[1] ?? 0);
      if (dropped > 0) throw new Error(`tcpdump dropped ${dropped} packets: ${log.trim().replace(/\n/g, '; ')}`);
    },
  };
}
