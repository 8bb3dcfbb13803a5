import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { WrittenFile } from './azure-helpers.js';

/**
 * A Debian container with systemd as PID 1 (test/infra/systemd-host/Dockerfile): the stand-in for the
 * Azure VM. Built from the Docker lab's offline base image, so it needs no registry.
 */
/** Debian bookworm images scripts/setup-docker.sh provides: built offline, or pulled from Docker Hub. */
const BASE_IMAGES = [process.env.DEBIAN_IMAGE_LOCAL ?? 'chatmsg/debian:bookworm-slim', 'debian:bookworm-slim'];
export const HOST_IMAGE = 'chatmsg-test/systemd-host:bookworm';
const CONTEXT = fileURLToPath(new URL('./systemd-host/', import.meta.url));
/** Where the test's own node binary is mounted, for provision.sh's CHATMSG_NODE_BINARY. */
export const NODE_IN_CONTAINER = '/mnt/host-node';

const docker = (args: string[], options: { input?: string | Buffer; env?: Record<string, string> } = {}) =>
  execa('docker', args, { reject: false, ...options });

export async function buildHostImage(): Promise<void> {
  let base: string | undefined;
  for (const image of BASE_IMAGES) {
    if ((await docker(['image', 'inspect', image])).exitCode === 0) {
      base = image;
      break;
    }
  }
  if (base === undefined) {
    throw new Error(`none of ${BASE_IMAGES.join(', ')} exists: run scripts/setup-docker.sh (setup-machine.sh does)`);
  }
  const build = await docker(['build', '-q', '--build-arg', `BASE=${base}`, '-t', HOST_IMAGE, CONTEXT]);
  if (build.exitCode !== 0) throw new Error(`building ${HOST_IMAGE} failed:\n${build.stderr}`);
}

/**
 * How systemd in the container gets its cgroups. cgroup v1 hosts (this project's CI): the host hierarchy
 * read-only, docker confines the container within it. cgroup v2 hosts: a private cgroup namespace.
 */
function cgroupArgs(): string[] {
  return existsSync('/sys/fs/cgroup/cgroup.controllers')
    ? ['--cgroupns=private']
    : ['-v', '/sys/fs/cgroup:/sys/fs/cgroup:ro'];
}

export class SystemdHost {
  readonly name = `chatmsg-provision-test-${randomBytes(4).toString('hex')}`;
  #ip = '';
  #gateway = '';

  /** The container's address: what clients connect to, like the VM's public IP. */
  get ip(): string {
    return this.#ip;
  }

  /** This machine's address on the container's network. */
  get gateway(): string {
    return this.#gateway;
  }

  /** Starts the container and waits until systemd has booted it. */
  async start(): Promise<void> {
    const run = await docker([
      'run', '-d', '--name', this.name,
      '--tmpfs', '/run', '--tmpfs', '/run/lock',
      ...cgroupArgs(),
      '-v', `${process.execPath}:${NODE_IN_CONTAINER}:ro`,
      HOST_IMAGE,
    ]);
    if (run.exitCode !== 0) throw new Error(`docker run failed:\n${run.stderr}`);
    // Until systemd has its bus up, systemctl fails at once: poll, bounded.
    let state = '';
    for (let i = 0; i < 120 && !['running', 'degraded'].includes(state); i++) {
      await sleep(500);
      state = (await this.exec(['systemctl', 'is-system-running'])).stdout.trim();
    }
    if (!['running', 'degraded'].includes(state)) {
      const failed = await this.exec(['systemctl', '--failed', '--no-pager']);
      throw new Error(`systemd did not boot (state ${JSON.stringify(state)}):\n${failed.stdout}`);
    }
    const inspect = await docker([
      'inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{.Gateway}}{{end}}', this.name,
    ]);
    [this.#ip = '', this.#gateway = ''] = inspect.stdout.trim().split(' ');
  }

  exec(command: string[], { env = {}, input }: { env?: Record<string, string>; input?: Buffer } = {}) {
    const envArgs = Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
    return docker(['exec', ...(input === undefined ? [] : ['-i']), ...envArgs, this.name, ...command], input === undefined ? {} : { input });
  }

  /** Writes a file the way cloud-init's write_files does: parents created, content, mode, owned by root. */
  async writeFile({ path, permissions, content }: WrittenFile): Promise<void> {
    const result = await this.exec(
      ['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat >"$1" && chmod "$2" "$1"', 'sh', path, permissions],
      { input: content },
    );
    if (result.exitCode !== 0) throw new Error(`writing ${path} failed: ${result.stderr}`);
  }

  async remove(): Promise<void> {
    await docker(['rm', '-f', '-v', this.name]);
  }
}
