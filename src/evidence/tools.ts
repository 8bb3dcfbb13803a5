import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** True when `program` is an executable file in a folder of PATH. */
export function onPath(program: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const extensions = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  return (env['PATH'] ?? '').split(delimiter).some((dir) =>
    dir !== '' && extensions.some((ext) => {
      try {
        accessSync(join(dir, program + ext), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    }));
}
