import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface FindProgramOptions {
  /** Folders looked in after PATH (Debian's sbin, an installer's folder). */
  extraDirs?: readonly string[];
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

/**
 * The path of the first of `names` found as a program on PATH, then in `extraDirs`; undefined
 * when none is. On Windows a name is tried with `.exe`, and existence is enough (there is no X bit).
 * The one lookup the tools share (bench peers, capture programs, the PDF browser, evidence steps).
 */
export function findProgram(names: readonly string[], options: FindProgramOptions = {}): string | undefined {
  const platform = options.platform ?? process.platform;
  const dirs = [...(options.env ?? process.env)['PATH']?.split(delimiter) ?? [], ...(options.extraDirs ?? [])].filter((dir) => dir !== '');
  const mode = platform === 'win32' ? constants.F_OK : constants.X_OK;
  for (const name of names) {
    for (const dir of dirs) {
      const path = join(dir, platform === 'win32' && !name.endsWith('.exe') ? `${name}.exe` : name);
      try {
        accessSync(path, mode);
        return path;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}
