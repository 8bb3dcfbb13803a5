import { execa, type Result } from 'execa';
import { readFile, symlink } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../helpers/temp-dir.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const AZURE_DIR = join(REPO_ROOT, 'infra', 'azure');
export const FAKE_AZ = fileURLToPath(new URL('./fake-az.sh', import.meta.url));

/** An address from TEST-NET-2 (RFC 5737): never routed, so it cannot be anyone's real address. */
export const TEST_SSH_SOURCE = '198.51.100.7';

/** Bundles the server into a fresh temporary file (gone after the test file), as `npm run bundle` does. */
export async function bundleServer(): Promise<string> {
  const dir = await makeTempDir('chatmsg-bundle-');
  const outfile = join(dir, 'chatmsg-server.mjs');
  await execa('node', [join(REPO_ROOT, 'scripts', 'bundle-server.mjs'), '--outfile', outfile]);
  return outfile;
}

/** Renders the cloud-init custom data for `bundle`; returns the file's text and path. */
export async function renderCloudInit(bundle: string, args: string[] = []): Promise<{ path: string; text: string }> {
  const dir = await makeTempDir('chatmsg-cloud-init-');
  const path = join(dir, 'cloud-init.yaml');
  await execa(join(AZURE_DIR, 'render-cloud-init.sh'), ['--server-bundle', bundle, '--output', path, ...args]);
  return { path, text: await readFile(path, 'utf8') };
}

export interface AzEnvironment {
  /** PATH for the script: the system's, with `az` replaced by fake-az.sh or hidden. */
  env: Record<string, string>;
  /** The az calls made so far, one string of arguments each. */
  calls(): Promise<string[]>;
}

/**
 * An environment for the infra scripts: `az` is fake-az.sh (answers from `answers`, FAKE_AZ_* without
 * the prefix), or missing altogether with `az: 'missing'`. HOME is an empty directory, so no SSH key of
 * the machine is picked up.
 */
export async function azEnvironment(
  answers: Record<string, string> = {},
  { az = 'fake' }: { az?: 'fake' | 'missing' } = {},
): Promise<AzEnvironment> {
  const dir = await makeTempDir('chatmsg-az-');
  const bin = join(dir, 'bin');
  const log = join(dir, 'az-calls.log');
  await execa('mkdir', ['-p', bin, join(dir, 'home')]);
  if (az === 'fake') await symlink(FAKE_AZ, join(bin, 'az'));
  const env: Record<string, string> = {
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: join(dir, 'home'),
    FAKE_AZ_LOG: log,
  };
  for (const [key, value] of Object.entries(answers)) env[`FAKE_AZ_${key}`] = value;
  return {
    env,
    async calls() {
      const text = await readFile(log, 'utf8').catch(() => '');
      return text.split('\n').filter((line) => line !== '');
    },
  };
}

/** Runs one of infra/azure/*.sh; never throws on a non-zero exit. */
export function runScript(script: string, args: string[], env: Record<string, string>): Promise<Result> {
  return execa(join(AZURE_DIR, script), args, {
    env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    cwd: REPO_ROOT,
  }) as Promise<Result>;
}

/** The `az ...` lines a --dry-run printed. */
export function azLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line.startsWith('az '));
}

/** The value after `flag` in a printed command line (single-quoted values unquoted). */
export function flagValue(line: string, flag: string): string | undefined {
  const match = new RegExp(`(?:^| )${flag} ('[^']*'|\\S+)`).exec(line);
  return match?.[1]?.replace(/^'(.*)'$/, '$1');
}

export interface WrittenFile {
  path: string;
  permissions: string;
  content: Buffer;
}

/** The files a cloud-config's write_files would write, decoded the way cloud-init decodes them. */
export function writeFilesOf(cloudConfig: { write_files?: unknown }): WrittenFile[] {
  const entries = cloudConfig.write_files as { path: string; permissions?: string; encoding?: string; content: string }[];
  return entries.map(({ path, permissions = '0644', encoding, content }) => {
    let bytes: Buffer;
    if (encoding === undefined || encoding === 'text/plain') bytes = Buffer.from(content, 'utf8');
    else if (encoding === 'gz+b64') bytes = gunzipSync(Buffer.from(content, 'base64'));
    else throw new Error(`encoding ${encoding} not handled by the test`);
    return { path, permissions, content: bytes };
  });
}
