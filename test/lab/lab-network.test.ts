import { describe, expect, it } from 'vitest';
import { cidrsOverlap, ipv4Range, LAB_BRIDGE, LAB_SUBNET, labNetworkClashes } from '../../src/lab/lab-network.js';

describe('IPv4 ranges', () => {
  it('covers the whole network whatever host part the address has', () => {
    expect(ipv4Range('172.28.0.10/24')).toEqual(ipv4Range('172.28.0.0/24'));
    expect(ipv4Range('10.0.0.1/32')).toEqual({ first: 167772161, last: 167772161 });
    expect(ipv4Range('0.0.0.0/0')).toEqual({ first: 0, last: 2 ** 32 - 1 });
  });

  it('is undefined for what is not an IPv4 network', () => {
    for (const text of ['fd00::/64', '172.28.0.0', '300.1.1.1/24', '1.2.3.4/33', '']) expect(ipv4Range(text), text).toBeUndefined();
  });

  it('overlaps when one network holds part of the other, in either order', () => {
    expect(cidrsOverlap('172.28.0.0/16', LAB_SUBNET)).toBe(true);
    expect(cidrsOverlap(LAB_SUBNET, '172.28.0.128/25')).toBe(true);
    expect(cidrsOverlap('172.28.1.0/24', LAB_SUBNET)).toBe(false);
    expect(cidrsOverlap('172.27.255.0/24', LAB_SUBNET)).toBe(false);
    expect(cidrsOverlap('fd00::/8', LAB_SUBNET)).toBe(false);
  });
});

describe('labNetworkClashes', () => {
  it('names the Docker network and the interface in the way, with the fix', () => {
    const clashes = labNetworkClashes(
      [
        { name: 'bridge', bridge: 'docker0', subnets: ['172.17.0.0/16'] },
        { name: 'old_project_default', bridge: '', subnets: ['172.28.0.0/16'] },
      ],
      [
        { interfaceName: 'lo', cidr: '127.0.0.1/8' },
        { interfaceName: 'tun0', cidr: '172.28.0.77/24' },
      ],
    );
    expect(clashes).toEqual([
      'Docker network old_project_default uses 172.28.0.0/16: remove it (docker network rm old_project_default) or change its subnet',
      'interface tun0 has 172.28.0.77/24 (a VPN?): disconnect it while the lab runs',
    ]);
  });

  it("does not count the lab's own network, nor the bridge of a Docker network already named", () => {
    const own = { name: 'chatmsg-lab_lab', bridge: LAB_BRIDGE, subnets: [LAB_SUBNET] };
    expect(labNetworkClashes([own], [{ interfaceName: LAB_BRIDGE, cidr: '172.28.0.1/24' }])).toEqual([]);
    expect(labNetworkClashes([], [{ interfaceName: 'br-0123456789ab', cidr: '172.28.0.1/16' }])).toEqual([]);
  });
});
