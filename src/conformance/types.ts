import type { Probe } from './probe.js';

/** The groups of checks, in the order of docs/PROTOCOL.md's sections; the CLI's --only/--skip take these names. */
export const GROUPS = [
  'greeting',
  'login',
  'direct',
  'broadcast',
  'presence',
  'list',
  'ping',
  'help',
  'errors',
  'framing',
  'text',
  'disconnect',
  'robustness',
] as const;
export type GroupName = (typeof GROUPS)[number];

/** Where the checker connects: exactly this host and port, nothing else. */
export interface Target {
  host: string;
  port: number;
}

/**
 * What the checker knows about the target's configuration. Limits with a spec default are
 * assumed at that default; the ones without a safe default (408, 429, 503) are undefined
 * unless the user tells them, and their checks are skipped then.
 */
export interface Limits {
  maxLine: number;
  maxQueue: number;
  loginTimeoutSeconds?: number;
  rateLimit?: number;
  maxClients?: number;
  /** How many connections the robustness group opens at once. */
  connections: number;
}

export const DEFAULT_LIMITS = {
  maxLine: 4096,
  maxQueue: 1024 * 1024,
  connections: 300,
} as const satisfies Partial<Limits>;

/** Upper bounds the checker never exceeds, whatever it is told: every loop is bounded. */
export const HARD_BOUNDS = {
  connections: 2000,
  rateLimit: 1000,
  loginTimeoutSeconds: 120,
  maxLine: 1024 * 1024,
  maxQueue: 64 * 1024 * 1024,
} as const;

export interface Timeouts {
  /** How long to wait for an expected line. */
  replyMs: number;
  /** How long "nothing else arrives" listens. */
  quietMs: number;
}

export const DEFAULT_TIMEOUTS = { replyMs: 2000, quietMs: 300 } as const satisfies Timeouts;

/** What a check gets to work with; every connection it opens is closed by the runner afterwards. */
export interface CheckContext {
  target: Target;
  limits: Limits;
  timeouts: Timeouts;
  /** A client-id unique to this run and check, derived from a short name (`alice` -> `alice.k3f9x2`). */
  id(name: string): string;
  /** Opens a connection named `name` (its HELLO stays in the inbox). */
  connect(name: string): Promise<Probe>;
  /** Notes a line of what was sent or seen, for the failure report. */
  note(line: string): void;
}

export interface Check {
  group: GroupName;
  /** `group/short-name`, stable: the JSON grade sheet and our tests refer to it. */
  name: string;
  /** One line saying what the check asserts. */
  title: string;
  /** A reason to skip, e.g. a limit of the target that was not given. */
  skip?(limits: Limits): string | undefined;
  /** For robustness checks: what load it puts on the target, printed before the run. */
  plan?(limits: Limits): string;
  run(ctx: CheckContext): Promise<void>;
}

/** Why a check failed: what was sent, what was expected, what came back instead. */
export interface Failure {
  sent: string[];
  expected: string;
  got: string;
}

export type Status = 'PASS' | 'FAIL' | 'SKIP';

export interface CheckResult {
  name: string;
  group: GroupName;
  title: string;
  status: Status;
  ms: number;
  skipReason?: string;
  failure?: Failure;
}

/** Thrown by a check: the runner turns it into a FAIL row. */
export class CheckFailure extends Error {
  override name = 'CheckFailure';
  readonly expected: string;
  readonly got: string;

  constructor(expected: string, got: string) {
    super(`expected ${expected}, got ${got}`);
    this.expected = expected;
    this.got = got;
  }
}

/** Thrown by a check that found out while running that it cannot judge the target (e.g. it was throttled). */
export class CheckSkipped extends Error {
  override name = 'CheckSkipped';
}
