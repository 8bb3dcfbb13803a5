import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CaptureError, startCapture, type PacketCapture } from './capture.js';
import type { ServerAddress } from './client-driver.js';
import type { EvidencedRun, RunHooks } from './evidence-run.js';
import { LocalClientLauncher } from './local-driver.js';
import { startLocalServer, type LocalServer } from './local-server.js';
import { runScenario } from './runner.js';
import type { Scenario } from './scenario.js';

/** The pcap's name in the evidence folder. */
const CAPTURE_FILE = 'traffic.pcap';
/** Lets the last FIN/ACKs reach the capture before tcpdump stops. */
const CAPTURE_TAIL_MS = 200;

/** What a local run could not set up (its server, its capture); the message says what. */
export class LocalSetupError extends Error {
  override name = 'LocalSetupError';
}

export interface LocalRunOptions extends RunHooks {
  /** Use this running server instead of starting one. */
  server?: ServerAddress | undefined;
  /** Also record the traffic with tcpdump. */
  capture: boolean;
  /** Prints one line of the live log. */
  say: (line: string) => void;
  /** Every transcript line of every client, as it arrives. */
  onClientLine?: ((client: string, line: string) => void) | undefined;
}

/**
 * How `npm run scenario` runs a scenario: a local server (unless one is given), tcpdump with
 * `capture`, every client a chatmsg-client process. Stops what it started, whatever happens.
 */
export async function runLocalScenario(scenario: Scenario, options: LocalRunOptions): Promise<EvidencedRun> {
  const { say } = options;
  let server: LocalServer | undefined;
  let address: ServerAddress;
  if (options.server) {
    address = options.server;
    if (scenario.serverArgs.length > 0) {
      say(`warning: this scenario expects a server started with ${scenario.serverArgs.join(' ')}; steps that rely on it may fail`);
    }
  } else {
    server = await startLocalServer(scenario.serverArgs).catch((error: Error) => {
      throw new LocalSetupError(`could not start the server: ${error.message}`);
    });
    address = server.address;
    say(`server: ${address.host}:${address.port} (${server.command})`);
  }
  let capture: PacketCapture | undefined;
  try {
    if (options.capture) {
      capture = await startCapture(join(options.evidenceDir, CAPTURE_FILE), address.host, address.port).catch((error: unknown) => {
        throw error instanceof CaptureError ? new LocalSetupError(`--capture: ${error.message}`) : error;
      });
      say(`capture: ${capture.what} is recording tcp port ${address.port} into ${capture.file}`);
    }
    const run = await runScenario(scenario, {
      launcher: new LocalClientLauncher(),
      server: address,
      onStep: options.onStep,
      onInfo: options.onInfo,
      ...(options.onClientLine ? { onClientLine: options.onClientLine } : {}),
    });
    // The orderly stop: the capture's report and the server's whole log go into the evidence.
    const started = { capture, server };
    capture = undefined;
    server = undefined;
    const captureReport = started.capture ? await sleep(CAPTURE_TAIL_MS).then(() => started.capture!.stop()) : undefined;
    await started.server?.stop();
    return {
      run,
      extras: {
        ...(started.server ? { serverLog: started.server.log(), serverCommand: started.server.command } : {}),
        ...(captureReport !== undefined ? { capture: { file: CAPTURE_FILE, report: captureReport } } : {}),
      },
    };
  } finally {
    // Set only when the run failed before its orderly stop.
    await capture?.stop();
    await server?.stop();
  }
}
