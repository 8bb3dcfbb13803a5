import { execa } from 'execa';
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { findProgram as findProgramOnPath } from '../platform/find-program.js';
import {
  CAPTURE_PROGRAMS, captureArgs, chooseInterface, closingReport, installHint, NO_PERMISSION, parseInterfaceList, permissionHint,
  READY, wiresharkFolders, type CaptureProgram, type ListedInterface,
} from './capture-tools.js';

/** Why a capture could not start: one line for people, with the fix. */
export class CaptureError extends Error {
  override name = 'CaptureError';
}

export interface PacketCapture {
  file: string;
  /** The program and interface, e.g. `tcpdump on lo`. */
  what: string;
  /** Stops the program (it flushes on SIGINT) and returns its closing report, e.g. `42 packets captured`. */
  stop(): Promise<string>;
}

export interface CaptureOptions {
  /** Use this program instead of the first of tcpdump, dumpcap, tshark that is installed. */
  program?: CaptureProgram | undefined;
  platform?: NodeJS.Platform | undefined;
}

const START_TIMEOUT_MS = 10_000;
/**
 * dumpcap and tshark have no immediate mode: the kernel may hold packets for up to a read timeout
 * before handing them over. Before stopping them we wait until the file stops growing for longer.
 */
const SETTLE_MS = 600;

/** The program's path: on PATH, else in the folders Wireshark's installers use. */
export async function findProgram(program: CaptureProgram, platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  return findProgramOnPath([program], { extraDirs: wiresharkFolders(platform), platform });
}

/** The first capture program that is installed (or the one asked for), with its path. */
export async function findCaptureProgram(options: CaptureOptions = {}): Promise<{ program: CaptureProgram; path: string }> {
  const platform = options.platform ?? process.platform;
  for (const program of options.program ? [options.program] : CAPTURE_PROGRAMS) {
    const path = await findProgram(program, platform);
    if (path) return { program, path };
  }
  const wanted = options.program ?? CAPTURE_PROGRAMS.join(', ');
  throw new CaptureError(`--capture needs a capture program (looked for ${wanted}): ${installHint(platform)}`);
}

/** The program's own interface list (`-D`); empty when it cannot list (no permission, no driver). */
async function listInterfaces(path: string): Promise<ListedInterface[]> {
  const result = await execa(path, ['-D'], { reject: false, timeout: 20_000 });
  return parseInterfaceList(String(result.stdout));
}

/**
 * Records the traffic of one TCP server (host and port) into a pcap with tcpdump, dumpcap or
 * tshark (the first installed), on the loopback interface of this platform. Resolves only once the
 * program reports that it is capturing, so no packet of the run is missed.
 */
export async function startCapture(file: string, host: string, port: number, options: CaptureOptions = {}): Promise<PacketCapture> {
  const platform = options.platform ?? process.platform;
  const { program, path } = await findCaptureProgram(options);
  // Linux and macOS name their loopback; on Windows only the program's list tells Npcap's adapter.
  const listed = platform === 'win32' ? await listInterfaces(path) : [];
  const choice = chooseInterface(host, platform, listed);
  if ('problem' in choice) throw new CaptureError(choice.problem);
  const { iface } = choice;
  // Both ends named: a bare `port N` would also catch other connections that happen to use N
  // as their ephemeral source port.
  const filter = `tcp and ((src host ${host} and src port ${port}) or (dst host ${host} and dst port ${port}))`;
  const child = execa(path, captureArgs(program, iface, file, filter), {
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
      reject(new CaptureError(`${program} did not start capturing within ${START_TIMEOUT_MS}ms: ${said()}`));
    }, START_TIMEOUT_MS);
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      if (READY[program].test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void child.then((result) => {
      clearTimeout(timer);
      if (NO_PERMISSION.test(stderr)) {
        reject(new CaptureError(`${program} may not capture on ${iface}: ${permissionHint(platform, program)} (${said()})`));
      } else {
        reject(new CaptureError(`${program} stopped before capturing (exit ${result.exitCode}): ${said()}`));
      }
    });
  });
  return {
    file,
    what: `${program} on ${iface}`,
    async stop() {
      if (program !== 'tcpdump') await settle(file);
      child.kill('SIGINT');
      await child;
      return closingReport(stderr);
    },
  };
}

/** Waits until the file has not grown for SETTLE_MS (at most 5 s). */
async function settle(file: string): Promise<void> {
  const deadline = Date.now() + 5000;
  let size = -1;
  for (;;) {
    const now = await stat(file).then((s) => s.size, () => 0);
    if (now === size || Date.now() > deadline) return;
    size = now;
    await sleep(SETTLE_MS);
  }
}
