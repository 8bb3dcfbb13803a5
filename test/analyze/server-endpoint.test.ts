import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEndpoint, serverFilter, serverFromEvidence } from '../../src/analyze/server-endpoint.js';

describe('server endpoint of a capture', () => {
  it('parses host:port and refuses anything else', () => {
    expect(parseEndpoint('127.0.0.1:5151')).toEqual({ host: '127.0.0.1', port: 5151 });
    expect(parseEndpoint('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(parseEndpoint('127.0.0.1')).toBeUndefined();
    expect(parseEndpoint('127.0.0.1:0')).toBeUndefined();
    expect(parseEndpoint('127.0.0.1:70000')).toBeUndefined();
  });

  it('filters on the exact endpoint, not on the port number alone', () => {
    expect(serverFilter({ host: '127.0.0.1', port: 5151 })).toBe(
      'tcp && ((ip.src == 127.0.0.1 && tcp.srcport == 5151) || (ip.dst == 127.0.0.1 && tcp.dstport == 5151))',
    );
    expect(serverFilter({ host: '::1', port: 5151 })).toContain('ipv6.src == ::1');
  });

  it('reads the server of a scenario run from the result.json next to its traffic.pcap', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chatmsg-evidence-'));
    try {
      const pcap = join(dir, 'traffic.pcap');
      expect(await serverFromEvidence(pcap)).toBeUndefined();
      await writeFile(join(dir, 'result.json'), JSON.stringify({ scenario: 'basic', server: '127.0.0.1:40123' }));
      expect(await serverFromEvidence(pcap)).toEqual({ host: '127.0.0.1', port: 40123 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
