import { execa, type Result } from 'execa';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../helpers/temp-dir.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const AZURE_DIR = join(REPO_ROOT, 'infra', 'azure');
export const FAKE_AZ = fileURLToPath(new URL('./fake-az.sh', import.meta.url));

/** An address from TEST-NET-2 (RFC 5737): never routed, so it cannot be anyone's real address. */
export const TEST_SSH_SOURCE = '198.51.100.7';

/** A port of 127.0.0.1 that was free a moment ago: nothing listens there. */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

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

/** A VM size as `az vm list-skus` describes it in one region; `restriction` is a Location reasonCode. */
export interface FakeSku {
  family: string;
  vcpus: number;
  restriction?: 'NotAvailableForSubscription';
}

export interface FakeVm {
  name: string;
  location: string;
  size: string;
  /** The PowerState/... code: running, deallocated, stopped. */
  power: string;
  public_ip: string;
  tags: Record<string, string>;
  id: string;
  custom_data?: string;
  scripts?: string[];
  shutdown?: string;
}

export interface FakeGroup {
  location: string;
  tags: Record<string, string>;
  nsgs: Record<string, { name: string; location: string; securityRules: { name: string; priority: number; destinationPortRange: string; sourceAddressPrefix: string }[] }>;
  public_ips: Record<string, { name: string; location: string; ipAddress: string; dnsSettings: { fqdn: string } | null }>;
  vms: Record<string, FakeVm>;
}

/** The Azure that test/infra/fake_az.py pretends to be (see there). */
export interface FakeWorld {
  logged_in: boolean;
  groups: Record<string, FakeGroup>;
  /** The subscription's sys.regionrestriction policy; empty: no policy. */
  allowed_regions: string[];
  skus: Record<string, Record<string, FakeSku>>;
  /** Per region: quota name (a family, or "cores") -> [used, limit]. */
  usage: Record<string, Record<string, [number, number]>>;
  /** Command ("vm create") -> the error Azure answers it with once. */
  fail: Record<string, string>;
  fail_existing_location?: string;
  next_public_ip: string;
  run_command_stdout?: string;
  run_command_stderr?: string;
}

const REGIONS = ['westeurope', 'northeurope', 'swedencentral', 'germanywestcentral', 'uksouth'];

/** A subscription like Azure for Students: the lab's sizes in a few European regions, 6 vCPUs per region. */
export function defaultWorld(): FakeWorld {
  const skus = Object.fromEntries(REGIONS.map((region) => [region, {
    Standard_B2ats_v2: { family: 'standardBasv2Family', vcpus: 2 },
    Standard_B2pts_v2: { family: 'standardBpsv2Family', vcpus: 2 },
    Standard_B1ms: { family: 'standardBSFamily', vcpus: 1 },
  }]));
  const usage = Object.fromEntries(REGIONS.map((region) => [region, {
    cores: [0, 6], standardBasv2Family: [0, 6], standardBpsv2Family: [0, 6], standardBSFamily: [0, 6],
  } as Record<string, [number, number]>]));
  return { logged_in: true, groups: {}, allowed_regions: [], skus, usage, fail: {}, next_public_ip: '127.0.0.1' };
}

/** What an earlier deploy.sh left: the tagged group, its NSG, a static IP with a DNS name, and the VM. */
export function deployedGroup({
  location = 'westeurope', power = 'running', size = 'Standard_B2ats_v2', ip = '127.0.0.1', tags = {},
}: { location?: string; power?: string; size?: string; ip?: string; tags?: Record<string, string> } = {}): FakeGroup {
  return {
    location,
    tags: { purpose: 'chatmsg-lab' },
    nsgs: { 'chatmsg-server-nsg': { name: 'chatmsg-server-nsg', location, securityRules: [] } },
    public_ips: {
      'chatmsg-server-ip': {
        name: 'chatmsg-server-ip', location, ipAddress: ip,
        dnsSettings: { fqdn: `chatmsg-server-a1b2c3.${location}.cloudapp.azure.com` },
      },
    },
    vms: {
      'chatmsg-server': {
        name: 'chatmsg-server', location, size, power, public_ip: 'chatmsg-server-ip', tags,
        id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/chatmsg-lab/providers/Microsoft.Compute/virtualMachines/chatmsg-server',
      },
    },
  };
}

export interface AzEnvironment {
  /** PATH for the script: the system's, with `az` replaced by fake-az.sh or hidden. */
  env: Record<string, string>;
  /** The az calls made so far, one string of arguments each. */
  calls(): Promise<string[]>;
  /** The fake Azure as the calls left it. */
  world(): Promise<FakeWorld>;
}

/**
 * An environment for the infra scripts: `az` is fake-az.sh answering from `world` (defaultWorld() with
 * these fields replaced), or missing altogether with `az: 'missing'`; `commands` shadows others. HOME is an empty directory, so no
 * SSH key of the machine is picked up.
 */
export async function azEnvironment(
  world: Partial<FakeWorld> = {},
  { az = 'fake', commands = {} }: { az?: 'fake' | 'missing'; commands?: Record<string, string> } = {},
): Promise<AzEnvironment> {
  const dir = await makeTempDir('chatmsg-az-');
  const bin = join(dir, 'bin');
  const log = join(dir, 'az-calls.log');
  const worldFile = join(dir, 'world.json');
  await mkdir(bin);
  await mkdir(join(dir, 'home'));
  await writeFile(worldFile, JSON.stringify({ ...defaultWorld(), ...world }));
  if (az === 'fake') await symlink(FAKE_AZ, join(bin, 'az'));
  // Other commands replaced by a bash body (a failing npm, curl or openssl).
  for (const [name, body] of Object.entries(commands)) {
    await writeFile(join(bin, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  }
  const env: Record<string, string> = {
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: join(dir, 'home'),
    FAKE_AZ_LOG: log,
    FAKE_AZ_WORLD: worldFile,
    // Each test its own rendered custom data: test files run in parallel.
    CHATMSG_OUTPUT_DIR: join(dir, 'out'),
  };
  return {
    env,
    async calls() {
      const text = await readFile(log, 'utf8').catch(() => '');
      return text.split('\n').filter((line) => line !== '');
    },
    async world() {
      return JSON.parse(await readFile(worldFile, 'utf8')) as FakeWorld;
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

/** The value after `flag` in a printed command line, unquoted as the shell would ('it'\\''s' is one word). */
export function flagValue(line: string, flag: string): string | undefined {
  const match = new RegExp(`(?:^| )${flag} ((?:'[^']*'|\\\\'|[^\\s'\\\\])+)`).exec(line);
  return match?.[1]?.replace(/'([^']*)'|\\(.)/g, (_, quoted: string | undefined, escaped: string | undefined) => quoted ?? escaped ?? '');
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
