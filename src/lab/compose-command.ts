import { execa } from 'execa';
import { parseComposeVersion, type ComposeVersion } from './compose-version.js';

/** How to call Compose on this machine, and which Compose it is. */
export interface ComposeCommand extends ComposeVersion {
  file: string;
  prefix: string[];
  /** `plugin`: `docker compose`; `standalone`: a `docker-compose` binary, v1 or a later one. */
  install: 'plugin' | 'standalone';
}

export const NO_COMPOSE = 'neither the `docker compose` plugin nor a `docker-compose` binary answers';

/** What a user sees and reports: `docker-compose 1.29.2 (Compose v1, standalone)`. */
export function describeCompose(compose: ComposeCommand): string {
  return `${[compose.file, ...compose.prefix].join(' ')} ${compose.version} (Compose v${compose.major}, ${compose.install})`;
}

async function versionOf(file: string, args: string[]): Promise<ComposeVersion | undefined> {
  const result = await execa(file, args, { reject: false, timeout: 20_000 });
  if (result.exitCode !== 0) return undefined;
  return parseComposeVersion(String(result.stdout));
}

/** The `docker-compose` binary on PATH, whichever Compose it is. */
export async function standaloneCompose(): Promise<ComposeCommand | undefined> {
  const standalone = await versionOf('docker-compose', ['version']);
  return standalone && { file: 'docker-compose', prefix: [], install: 'standalone', ...standalone };
}

/** Finds Compose: the `docker compose` plugin first (what current engines ship), then a `docker-compose` binary. */
export async function findCompose(): Promise<ComposeCommand | undefined> {
  const plugin = await versionOf('docker', ['compose', 'version']);
  if (plugin) return { file: 'docker', prefix: ['compose'], install: 'plugin', ...plugin };
  return standaloneCompose();
}

/** Is a Docker engine answering (not just the docker client installed)? Returns its version. */
export async function engineVersion(): Promise<string | undefined> {
  const result = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], { reject: false, timeout: 20_000 });
  return result.exitCode === 0 ? String(result.stdout).trim() || undefined : undefined;
}
