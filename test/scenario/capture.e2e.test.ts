import { execa } from 'execa';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdusOf, readCapture } from '../../src/analyze/capture-model.js';
import { CaptureError, findCaptureProgram, startCapture } from '../../src/scenario/capture.js';
import { startServer } from '../helpers/server-process.js';
import { requireTool } from '../helpers/tools.js';
import { RawPeer } from '../wireshark/helpers/raw-peer.js';

const CAPTURE_MODULE = fileURLToPath(new URL('../../dist/scenario/capture.js', import.meta.url));
const CAPTURE_TOOLS = {
  tcpdump: await requireTool('tcpdump', 'root', 'tshark'),
  dumpcap: await requireTool('dumpcap', 'root', 'tshark'),
  tshark: await requireTool('root', 'tshark'),
};
const denied = await requireTool('dumpcap', 'root');

describe.skipIf(process.platform !== 'linux')('--capture records a real server on loopback with each capture program', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chatmsg-capture-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  for (const program of ['tcpdump', 'dumpcap', 'tshark'] as const) {
    const tools = CAPTURE_TOOLS[program];
    it.skipIf(tools.skip)(tools.title(`${program}: every PDU of the conversation, and its count in the closing report`), async () => {
      const server = await startServer();
      const file = join(dir, `${program}.pcap`);
      try {
        const capture = await startCapture(file, server.host, server.port, { program });
        expect(capture.what).toBe(`${program} on lo`);
        const peer = await RawPeer.greeted(server.port);
        await peer.request('LOGIN ada', 'OK LOGIN ada\n');
        await peer.request('PING last', 'PONG last\n');
        await peer.close();
        const report = await capture.stop();
        expect(report).toMatch(/\d+ packets captured|Packets captured: \d+/);
        const lines = pdusOf(await readCapture(file, { port: server.port })).map((pdu) => pdu.line);
        expect(lines[0]).toMatch(/^HELLO /);
        expect(lines.slice(1)).toEqual(['LOGIN ada', 'OK LOGIN ada', 'PING last', 'PONG last']);
      } finally {
        await server.stop();
      }
    });
  }

  it('takes the first program on PATH that can be run, and prefers tcpdump to dumpcap to tshark', async () => {
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'tcpdump'), '');
    await writeFile(join(bin, 'dumpcap'), '#!/bin/sh\n', { mode: 0o755 });
    const path = process.env['PATH'];
    process.env['PATH'] = bin;
    try {
      // tcpdump there but not executable: skipped.
      expect(await findCaptureProgram()).toEqual({ program: 'dumpcap', path: join(bin, 'dumpcap') });
      await chmod(join(bin, 'tcpdump'), 0o755);
      expect(await findCaptureProgram()).toEqual({ program: 'tcpdump', path: join(bin, 'tcpdump') });
      expect(await findCaptureProgram({ program: 'dumpcap' })).toEqual({ program: 'dumpcap', path: join(bin, 'dumpcap') });
    } finally {
      process.env['PATH'] = path;
    }
  });

  it('fails with what to install when the program asked for is not there', async () => {
    const path = process.env['PATH'];
    process.env['PATH'] = dir;
    try {
      const error = await startCapture(join(dir, 'none.pcap'), '127.0.0.1', 9, { program: 'dumpcap' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CaptureError);
      expect((error as Error).message).toBe('--capture needs a capture program (looked for dumpcap): install tcpdump (Debian/Ubuntu: sudo apt-get install tcpdump), or tshark, which brings dumpcap');
    } finally {
      process.env['PATH'] = path;
    }
  });

  it.skipIf(denied.skip)(denied.title('dumpcap without the right to capture fails at once, saying how to grant it'), async () => {
    await chmod(dir, 0o777);
    const script = `import(${JSON.stringify(CAPTURE_MODULE)}).then((m) => m.startCapture(${JSON.stringify(join(dir, 'denied.pcap'))}, '127.0.0.1', 9, { program: 'dumpcap' }))`
      + '.then(() => process.exit(0), (e) => { console.error(e.name + ": " + e.message); process.exit(1); })';
    const run = await execa('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '--input-type=module', '-e', script], { reject: false });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^CaptureError: dumpcap may not capture on lo: run as root, or let your account capture through Wireshark's group: .*usermod -aG wireshark/);
  });
});
