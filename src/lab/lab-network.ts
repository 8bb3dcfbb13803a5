import { execa } from 'execa';
import { networkInterfaces } from 'node:os';

/**
 * The Docker lab's network (docker-compose.yml): fixed, so every student sees the same
 * addresses in Wireshark (server 172.28.0.10, clients .11-.15). Anything else on the machine
 * that uses part of it, another Docker network or a VPN, makes `docker compose up` fail with
 * "Pool overlaps": `npm run doctor` finds it first and says what to remove.
 */
export const LAB_SUBNET = '172.28.0.0/24';
/** The lab network's fixed bridge name: only one lab network can exist. */
export const LAB_BRIDGE = 'chatmsg0';

interface Ipv4Range {
  first: number;
  last: number;
}

/** `a.b.c.d/n` as the range of addresses it covers; undefined for anything else (IPv6 included). */
export function ipv4Range(cidr: string): Ipv4Range | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (octets.some((octet) => octet > 255) || bits > 32) return undefined;
  const address = octets.reduce((value, octet) => value * 256 + octet, 0);
  const size = 2 ** (32 - bits);
  const first = Math.floor(address / size) * size;
  return { first, last: first + size - 1 };
}

/** Do the two IPv4 networks share an address? False when either is not an IPv4 CIDR. */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = ipv4Range(a);
  const y = ipv4Range(b);
  return x !== undefined && y !== undefined && x.first <= y.last && y.first <= x.last;
}

/** A Docker network as `docker network inspect` describes it. */
export interface DockerNetwork {
  name: string;
  subnets: string[];
  /** com.docker.network.bridge.name, '' when not set. */
  bridge: string;
}

/** An address of this machine, with the interface that holds it. */
export interface HostAddress {
  interfaceName: string;
  /** `a.b.c.d/n` */
  cidr: string;
}

/**
 * What stands in the lab network's way, one sentence each with the fix. The lab's own network
 * (bridge chatmsg0, left by an earlier run) is not in the way: `npm run compose` reuses or
 * replaces it.
 */
export function labNetworkClashes(networks: DockerNetwork[], addresses: HostAddress[], subnet = LAB_SUBNET): string[] {
  const clashes: string[] = [];
  for (const network of networks) {
    if (network.bridge === LAB_BRIDGE) continue;
    const overlapping = network.subnets.find((other) => cidrsOverlap(other, subnet));
    if (overlapping !== undefined) {
      clashes.push(`Docker network ${network.name} uses ${overlapping}: remove it (docker network rm ${network.name}) or change its subnet`);
    }
  }
  for (const { interfaceName, cidr } of addresses) {
    if (interfaceName === LAB_BRIDGE || !cidrsOverlap(cidr, subnet)) continue;
    // Docker's own bridges are reported above, by network name.
    if (/^(br-|docker)/.test(interfaceName)) continue;
    clashes.push(`interface ${interfaceName} has ${cidr} (a VPN?): disconnect it while the lab runs`);
  }
  return clashes;
}

/** This machine's IPv4 addresses. */
export function hostAddresses(): HostAddress[] {
  return Object.entries(networkInterfaces()).flatMap(([interfaceName, entries]) =>
    (entries ?? []).filter((entry) => entry.family === 'IPv4' && entry.cidr !== null).map((entry) => ({ interfaceName, cidr: entry.cidr! })),
  );
}

/** Every Docker network with its subnets and bridge name; [] when Docker does not answer. */
export async function dockerNetworks(): Promise<DockerNetwork[]> {
  const ids = String((await execa('docker', ['network', 'ls', '-q'], { reject: false })).stdout).split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const format = '{{.Name}}|{{index .Options "com.docker.network.bridge.name"}}|{{range .IPAM.Config}}{{.Subnet}} {{end}}';
  const inspect = await execa('docker', ['network', 'inspect', '-f', format, ...ids], { reject: false });
  return String(inspect.stdout)
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name = '', bridge = '', subnets = ''] = line.split('|');
      return { name, bridge: bridge === '<no value>' ? '' : bridge, subnets: subnets.split(' ').filter(Boolean) };
    });
}
