/**
 * A parsed scenario: what a `.scenario` file says, as data. The parser builds it, the runner
 * walks it, the dissector's `analyze --expect` reads the same steps. Format: scenarios/README.md.
 */

/** Where a step came from, for error messages: `scenarios/basic.scenario:12`. */
export interface SourceLocation {
  file: string;
  line: number;
  /** The step as written (trimmed), for reports: `alice< OK LOGIN alice`. */
  text: string;
}

/** What a received line must look like: the exact text, or a regular expression matching the whole line. */
export type LinePattern = { kind: 'exact'; text: string } | { kind: 'regex'; source: string; regex: RegExp };

/** `alice> LOGIN alice`: the client sends the line as written (`\x07` escapes decoded). */
export interface SendStep {
  kind: 'send';
  client: string;
  line: string;
  at: SourceLocation;
}

/**
 * `alice< OK LOGIN alice`: the next line alice receives must match.
 * `alice<< ...` (eventually): lines that do not match are skipped until one does.
 */
export interface ExpectStep {
  kind: 'expect';
  client: string;
  pattern: LinePattern;
  eventually: boolean;
  timeoutMs: number;
  at: SourceLocation;
}

/** `alice! connect [client options]`: open alice's connection here instead of at the start. */
export interface ConnectStep {
  kind: 'connect';
  client: string;
  /** Extra chatmsg-client options for this client, after the scenario's `client:` options. */
  args: string[];
  timeoutMs: number;
  at: SourceLocation;
}

/** `alice! disconnect`: kill alice's client process abruptly (no LOGOFF, no goodbye). */
export interface DisconnectStep {
  kind: 'disconnect';
  client: string;
  at: SourceLocation;
}

/** `alice! eof`: close alice's input; the client then closes its connection cleanly. */
export interface EndInputStep {
  kind: 'eof';
  client: string;
  at: SourceLocation;
}

/** `alice! exit 0`: alice's client process must end with this exit code. */
export interface ExitStep {
  kind: 'exit';
  client: string;
  code: number;
  timeoutMs: number;
  at: SourceLocation;
}

/** `alice! quiet 300ms`: alice must receive nothing for that long. */
export interface QuietStep {
  kind: 'quiet';
  client: string;
  durationMs: number;
  at: SourceLocation;
}

/** `pause 200ms`: wait. */
export interface PauseStep {
  kind: 'pause';
  durationMs: number;
  at: SourceLocation;
}

/** `together { ... }`: every send inside is written to its client in the same instant (a barrier). */
export interface TogetherStep {
  kind: 'together';
  sends: SendStep[];
  at: SourceLocation;
}

/** `unordered { ... }`: the expectations inside may be met in any order (per client). */
export interface UnorderedStep {
  kind: 'unordered';
  expects: ExpectStep[];
  timeoutMs: number;
  at: SourceLocation;
}

export type Step =
  | SendStep
  | ExpectStep
  | ConnectStep
  | DisconnectStep
  | EndInputStep
  | ExitStep
  | QuietStep
  | PauseStep
  | TogetherStep
  | UnorderedStep;

export interface Scenario {
  name: string;
  description: string;
  /** Client names in the order they connect at the start. */
  clients: string[];
  /** Clients that connect at the start (those without an explicit `connect` step), in order. */
  connectAtStart: string[];
  /** Extra options for a server the runner starts itself (`server: --login-timeout 1`). */
  serverArgs: string[];
  /** Extra chatmsg-client options for every client (`client: --keepalive 5`). */
  clientArgs: string[];
  /** The file it was read from. */
  file: string;
  steps: Step[];
}

/** How long an expectation waits unless the scenario says otherwise (`timeout 5s`). */
export const DEFAULT_TIMEOUT_MS = 2000;
