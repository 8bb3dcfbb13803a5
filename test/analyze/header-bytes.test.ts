import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../src/analyze/analysis.js';
import type { Frame } from '../../src/analyze/capture-model.js';
import { headerFields } from '../../src/analyze/header-fields.js';
import { frameBytes } from '../wireshark/helpers/pcap-file.js';
import { RawPeer } from '../wireshark/helpers/raw-peer.js';
import { captureServerRun, type CapturedRun } from '../wireshark/helpers/captured-run.js';
import { requireTool } from '../helpers/tools.js';
import { SEGMENTED_PCAP } from './fixture.js';

const tshark = await requireTool('tshark');
const capture = await requireTool('tcpdump', 'root', 'tshark');

/** Checks every byte range the report gives against the frame's real bytes. */
async function expectRangesMatchBytes(pcap: string, frame: Frame): Promise<void> {
  const bytes = await frameBytes(pcap, frame.number);
  const at = (field: string) => {
    const row = headerFields(frame).find((r) => r.field === field)!;
    return bytes.subarray(row.bytes[0], row.bytes[1] + 1);
  };
  expect([...at('source address')].join('.')).toBe(frame.ip.src);
  expect([...at('destination address')].join('.')).toBe(frame.ip.dst);
  expect(at('TTL')[0]).toBe(frame.ip.ttl);
  expect(at('total length').readUInt16BE(0)).toBe(frame.ip.totalLength);
  expect(at('protocol')[0]).toBe(6);
  expect(at('version, header length')[0]! >> 4).toBe(4);
  expect(at('source port').readUInt16BE(0)).toBe(frame.tcp.srcPort);
  expect(at('destination port').readUInt16BE(0)).toBe(frame.tcp.dstPort);
  expect(at('sequence number').readUInt32BE(0)).toBe(frame.tcp.seqRaw);
  expect(at('acknowledgment number').readUInt32BE(0)).toBe(frame.tcp.ackRaw);
  expect(at('window').readUInt16BE(0)).toBe(frame.tcp.window);
  expect(at('header length, flags').readUInt16BE(0) & 0x0fff).toBe(frame.tcp.flags);
  const payload = at('TCP payload').toString('utf8');
  expect(frame.pdus.map((p) => `${p.line}\n`).join('')).toContain(payload.replace(/\r\n/g, '\n'));
  for (const row of headerFields(frame).filter((r) => /verb|arguments/.test(r.field))) {
    expect(bytes.subarray(row.bytes[0], row.bytes[1] + 1).toString('utf8')).toBe(row.value);
  }
  for (const row of headerFields(frame).filter((r) => /terminator/.test(r.field))) {
    expect(bytes.subarray(row.bytes[0], row.bytes[1] + 1).toString('latin1')).toBe(row.value === 'LF' ? '\n' : '\r\n');
  }
}

describe.skipIf(tshark.skip)(tshark.title('header byte ranges in the report are the real bytes of the frame'), () => {
  it('on an Ethernet (loopback) capture', async () => {
    const analysis = await analyzeCapture(SEGMENTED_PCAP);
    const frame = analysis.frames.find((f) => f.pdus.some((p) => p.line === 'MSG ALL hello everyone'))!;
    expect(frame.eth).toBeDefined();
    const bytes = await frameBytes(SEGMENTED_PCAP, frame.number);
    expect(bytes.readUInt16BE(12)).toBe(0x0800);
    await expectRangesMatchBytes(SEGMENTED_PCAP, frame);
    expect(headerFields(frame).filter((r) => r.layer === 'CHAT-MSG').map((r) => `${r.field}=${r.value}`)).toEqual([
      'TCP payload=24 bytes', 'verb=MSG', 'arguments=ALL hello everyone', 'terminator=CR LF',
    ]);
  });

  it('splits several PDUs of one segment, and leaves a reassembled PDU whole', async () => {
    const analysis = await analyzeCapture(SEGMENTED_PCAP);
    const three = analysis.frames.find((f) => f.pdus.length === 3 && f.pdus[0]!.line === 'LOGIN bob')!;
    await expectRangesMatchBytes(SEGMENTED_PCAP, three);
    expect(headerFields(three).filter((r) => r.field.endsWith('verb')).map((r) => r.value)).toEqual(['LOGIN', 'LIST', 'PING']);
    const reassembled = analysis.frames.find((f) => f.pdus.some((p) => p.line === 'LOGIN alice'))!;
    expect(headerFields(reassembled).filter((r) => r.layer === 'CHAT-MSG').map((r) => r.field)).toEqual(['TCP payload']);
  });

  describe.skipIf(capture.skip)(capture.title('on a Linux cooked capture (tcpdump -i any), which has no Ethernet header'), () => {
    let run: CapturedRun;
    let pcap: string;
    beforeAll(async () => {
      run = await captureServerRun('any', async (port) => {
        const peer = await RawPeer.greeted(port);
        await peer.request('LOGIN carol', 'OK LOGIN carol\n');
        await peer.close();
      }, 'any');
      pcap = run.pcap;
    });
    afterAll(() => run.remove());

    it('gives IPv4 and TCP ranges after the cooked header', async () => {
      const analysis = await analyzeCapture(pcap);
      const frame = analysis.frames.find((f) => f.pdus.some((p) => p.line === 'LOGIN carol'))!;
      expect(frame.eth).toBeUndefined();
      expect(headerFields(frame).some((r) => r.layer === 'Ethernet')).toBe(false);
      await expectRangesMatchBytes(pcap, frame);
    });
  });
});
