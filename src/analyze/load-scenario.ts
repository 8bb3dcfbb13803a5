import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseScenario, ScenarioSyntaxError } from '../scenario/parser.js';
import type { Scenario } from '../scenario/scenario.js';
import { AnalyzeError } from './tshark.js';

const SCENARIOS_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));

/** A scenario by name (`basic` -> scenarios/basic.scenario) or by path, parsed by the runner's own parser. */
export async function loadScenario(nameOrPath: string): Promise<Scenario> {
  const file = /[/\\]|\.scenario$/.test(nameOrPath) ? nameOrPath : `${SCENARIOS_DIR}${nameOrPath}.scenario`;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new AnalyzeError(`cannot read scenario ${nameOrPath} (${file})`);
  }
  try {
    return parseScenario(text, file);
  } catch (error) {
    if (error instanceof ScenarioSyntaxError) throw new AnalyzeError(error.message);
    throw error;
  }
}
