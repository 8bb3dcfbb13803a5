import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScenario, ScenarioSyntaxError } from './parser.js';
import type { Scenario } from './scenario.js';

/** The shipped scenarios: <package>/scenarios/ (from dist/scenario/ or src/scenario/). */
export const SCENARIOS_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));
export const SCENARIO_EXTENSION = '.scenario';

/** A name such as `basic` is a shipped scenario; anything with a `/` or the extension is a path. */
export function scenarioPath(nameOrPath: string): string {
  if (nameOrPath.includes('/') || nameOrPath.endsWith(SCENARIO_EXTENSION)) return resolve(nameOrPath);
  return join(SCENARIOS_DIR, `${nameOrPath}${SCENARIO_EXTENSION}`);
}

/** A path as messages show it: relative to the working directory when inside it. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

export class ScenarioNotFoundError extends Error {
  override name = 'ScenarioNotFoundError';
}

/** Reads and parses a scenario; throws ScenarioNotFoundError or ScenarioSyntaxError. */
export async function loadScenario(nameOrPath: string): Promise<Scenario> {
  const path = scenarioPath(nameOrPath);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new ScenarioNotFoundError(`no scenario ${JSON.stringify(nameOrPath)} (${displayPath(path)} does not exist; see --list)`);
  }
  return parseScenario(text, displayPath(path));
}

export interface CatalogEntry {
  name: string;
  description: string;
  /** Set when the file does not parse. */
  error?: string;
}

/** Every shipped scenario, by name, with its description (or its syntax error). */
export async function listScenarios(): Promise<CatalogEntry[]> {
  const files = (await readdir(SCENARIOS_DIR)).filter((file) => file.endsWith(SCENARIO_EXTENSION)).sort();
  return Promise.all(
    files.map(async (file) => {
      const name = file.slice(0, -SCENARIO_EXTENSION.length);
      try {
        const scenario = await loadScenario(name);
        return { name, description: scenario.description };
      } catch (error) {
        if (!(error instanceof ScenarioSyntaxError)) throw error;
        return { name, description: '', error: error.message };
      }
    }),
  );
}
