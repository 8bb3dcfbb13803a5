import { loadScenario } from './catalog.js';
import { createEvidenceDir, writeEvidence, type EvidenceExtras } from './evidence.js';
import { formatStepLine, formatVerdict } from './live-log.js';
import type { StepResult } from './result.js';
import type { ScenarioRun } from './runner.js';
import type { Scenario } from './scenario.js';

/** What a run hands back for the evidence folder. */
export interface EvidencedRun {
  run: ScenarioRun;
  extras: EvidenceExtras;
}

/** Given to `execute`: where the evidence goes, and the live log's hooks for runScenario. */
export interface RunHooks {
  evidenceDir: string;
  onStep: (step: StepResult) => void;
  onInfo: (text: string) => void;
}

export interface EvidenceRunOptions {
  /** A shipped scenario's name, or a path to a `.scenario` file. */
  scenario: string;
  /** Where the evidence folder `<name>-<UTC time>/` is made. */
  outDir: string;
  /** Prints one line of the live log. */
  say: (line: string) => void;
  /** Runs the scenario: starts what it needs (server, clients, capture), runs it, stops them. */
  execute: (scenario: Scenario, hooks: RunHooks) => Promise<EvidencedRun>;
  /** The run will not happen (the scenario does not load, or no folder): release whatever waits for it. */
  onAbandon?: () => Promise<void>;
}

export interface EvidenceRunOutcome {
  passed: boolean;
  /** Absent when the folder could not be made. */
  evidenceDir?: string;
}

/** `execute` threw: the scenario it was running, and what it threw (as `cause`). */
export class ScenarioRunError extends Error {
  override name = 'ScenarioRunError';
  readonly scenario: string;

  constructor(scenario: string, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.scenario = scenario;
  }
}

/**
 * The sequence of `npm run scenario` and of the Docker lab's runner: load the scenario, make
 * its evidence folder, run it, write the evidence, print the verdict. Throws what loadScenario
 * throws (ScenarioNotFoundError, ScenarioSyntaxError: a usage error) before anything runs, and
 * ScenarioRunError when `execute` fails; evidence that cannot be written is a FAIL line.
 */
export async function runWithEvidence(options: EvidenceRunOptions): Promise<EvidenceRunOutcome> {
  const { say } = options;
  const scenario = await loadScenario(options.scenario).catch(async (error: unknown) => {
    await options.onAbandon?.();
    throw error;
  });
  say(`scenario ${scenario.name}: ${scenario.description}`);
  let evidenceDir: string;
  try {
    evidenceDir = await createEvidenceDir(options.outDir, scenario.name, new Date());
  } catch (error) {
    await options.onAbandon?.();
    say(`FAIL ${scenario.name}: cannot write the evidence folder: ${(error as Error).message}`);
    return { passed: false };
  }
  const hooks: RunHooks = { evidenceDir, onStep: (step) => say(formatStepLine(step)), onInfo: (text) => say(`  .. ${text}`) };
  let evidenced: EvidencedRun;
  try {
    evidenced = await options.execute(scenario, hooks);
  } catch (error) {
    throw new ScenarioRunError(scenario.name, error);
  }
  const { run, extras } = evidenced;
  try {
    await writeEvidence(evidenceDir, run.result, run.sessions, extras);
  } catch (error) {
    say(`FAIL ${scenario.name}: cannot write the evidence into ${evidenceDir}: ${(error as Error).message}`);
    return { passed: false, evidenceDir };
  }
  say(formatVerdict(run.result, evidenceDir));
  return { passed: run.result.passed, evidenceDir };
}
