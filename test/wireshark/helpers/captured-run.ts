import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../helpers/server-process.js';
import { captureLoopback, serverBpf } from './tcpdump.js';

export interface CapturedRun {
  /** The capture, in a temporary folder of its own. */
  pcap: string;
  dir: string;
  server: { host: string; port: number };
  /** Deletes the folder. */
  remove(): Promise<void>;
}

/**
 * Starts a real server on 127.0.0.1, records its traffic with tcpdump (`iface`: lo, or `any` for
 * Linux cooked headers) while `play` talks to it (it may keep files in `dir`), then stops both. The capture holds only this
 * server's connections.
 */
export async function captureServerRun(
  name: string,
  play: (port: number, dir: string) => Promise<void>,
  iface = 'lo',
): Promise<CapturedRun> {
  const dir = await mkdtemp(join(tmpdir(), `chatmsg-${name}-`));
  const pcap = join(dir, `${name}.pcap`);
  const server = await startServer();
  const capture = await captureLoopback(pcap, serverBpf(server.host, server.port), iface);
  try {
    await play(server.port, dir);
  } finally {
    await capture.stop();
    await server.stop();
  }
  return {
    pcap,
    dir,
    server: { host: server.host, port: server.port },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
