/**
 * The lab's containers and networks, found by the project label Compose puts on everything it
 * creates (com.docker.compose.project=chatmsg-lab), whatever file set created them.
 */
import { execa } from 'execa';

/** The Compose project name: one lab at a time (fixed addresses, fixed bridge name). */
export const LAB_PROJECT = 'chatmsg-lab';

const PROJECT_FILTER = `label=com.docker.compose.project=${LAB_PROJECT}`;

async function listed(args: string[]): Promise<string[]> {
  const result = await execa('docker', args, { reject: false, timeout: 60_000 });
  return String(result.stdout).split('\n').map((line) => line.trim()).filter(Boolean);
}

/** IDs of the lab's containers and networks that still exist (empty when all is tidy). */
export async function leftovers(): Promise<string> {
  const containers = await listed(['ps', '-a', '-q', '--filter', PROJECT_FILTER]);
  const networks = await listed(['network', 'ls', '-q', '--filter', PROJECT_FILTER]);
  return [...containers, ...networks].join(' ');
}

/**
 * Removes every container and network of the lab, running or not. `compose down --remove-orphans`
 * is not enough: Compose v2 leaves the containers of services the current file set switches off
 * (the server of a `--keep` run, when the next run is `--remote`), as neither its own nor orphans.
 * Only called under the lab lock, so no other lab run owns them. Returns what is still there.
 */
export async function removeLabContainers(log: (line: string) => void): Promise<string> {
  const containers = await listed(['ps', '-a', '--filter', PROJECT_FILTER, '--format', '{{.ID}} {{.Names}}']);
  if (containers.length > 0) {
    log(`removing ${containers.length} lab container(s) that compose down left: ${containers.map((line) => line.split(' ')[1]).join(', ')}`);
    await execa('docker', ['rm', '-f', '-v', ...containers.map((line) => line.split(' ')[0]!)], { reject: false, timeout: 120_000 });
  }
  const networks = await listed(['network', 'ls', '--filter', PROJECT_FILTER, '--format', '{{.ID}} {{.Name}}']);
  if (networks.length > 0) {
    log(`removing lab network(s) that compose down left: ${networks.map((line) => line.split(' ')[1]).join(', ')}`);
    await execa('docker', ['network', 'rm', ...networks.map((line) => line.split(' ')[0]!)], { reject: false, timeout: 60_000 });
  }
  return leftovers();
}
