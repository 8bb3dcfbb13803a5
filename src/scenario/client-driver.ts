/**
 * How the runner talks to one client process, whatever started it: a local child process
 * (local-driver.ts) or a client inside a lab container reached over a control connection.
 * The runner only needs these few operations, so any way of starting clients can plug in.
 */

export interface ServerAddress {
  host: string;
  port: number;
}

export interface ClientExit {
  /** Exit code, or null when the process was killed by a signal. */
  code: number | null;
  signal: string | null;
  /** What the client wrote to stderr (its own error messages). */
  stderr: string;
}

export interface ClientDriver {
  /**
   * Writes one line (an LF is added) to the client's stdin. Synchronous on purpose: the
   * `together` barrier calls it for every client in the same tick.
   */
  send(line: string): void;
  /** Closes the client's stdin: the client then closes its connection cleanly. */
  endInput(): void;
  /** Kills the client process abruptly (the `disconnect` action). */
  kill(): void;
  /** Settles once, when the client process has ended. Never rejects. */
  readonly exited: Promise<ClientExit>;
}

export interface ClientLauncher {
  /** Where the clients run, for the log: `local processes`, `container lab-client-1` ... */
  readonly where: string;
  /**
   * Starts `chatmsg-client <host> <port> ...SCENARIO_CLIENT_ARGS ...extraArgs` for the scenario
   * client `name` and calls `onLine` with every line it writes to stdout (the transcript format
   * of src/client/transcript.ts), in order. `extraArgs` come from the scenario (`client:` header,
   * `alice! connect <options>`); a launcher that cannot pass them must refuse, not drop them.
   */
  launch(name: string, server: ServerAddress, onLine: (line: string) => void, extraArgs?: readonly string[]): Promise<ClientDriver>;
}

/**
 * Extra client options for scenario runs: no keepalive, so a quiet moment in a scenario
 * never adds a PING/PONG the steps did not ask for.
 */
export const SCENARIO_CLIENT_ARGS = ['--keepalive', '0'] as const;
