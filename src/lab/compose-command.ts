import { execa } from 'execa';

/** How to call Compose on this machine: the v2 plugin (`docker compose`) or v1 (`docker-compose`). */
export interface ComposeCommand {
  file: string;
  prefix: string[];
  /** `2.29.1`, `1.29.2` ... as the tool prints it. */
  version: string;
  major: 1 | 2;
}

const VERSION = /(\d+\.\d+\.\d+)/;

async function versionOf(file: string, args: string[]): Promise<string | undefined> {
  const result = await execa(file, args, { reject: false, timeout: 20_000 });
  if (result.exitCode !== 0) return undefined;
  return VERSION.exec(String(result.stdout))?.[1];
}

/** Finds Compose, v2 first (what Docker Desktop and current engines ship), then Debian's v1. */
export async function findCompose(): Promise<ComposeCommand | undefined> {
  const v2 = await versionOf('docker', ['compose', 'version']);
  if (v2) return { file: 'docker', prefix: ['compose'], version: v2, major: 2 };
  const v1 = await versionOf('docker-compose', ['version']);
  if (v1) return { file: 'docker-compose', prefix: [], version: v1, major: 1 };
  return undefined;
}

/** Is a Docker engine answering (not just the docker client installed)? Returns its version. */
export async function engineVersion(): Promise<string | undefined> {
  const result = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], { reject: false, timeout: 20_000 });
  return result.exitCode === 0 ? String(result.stdout).trim() || undefined : undefined;
}
