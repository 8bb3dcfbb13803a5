import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeCapture, serviceCount, type Analysis } from '../../src/analyze/analysis.js';
import { checkScenario } from '../../src/analyze/expect-scenario.js';
import { headerFields } from '../../src/analyze/header-fields.js';
import { renderMarkdownReport } from '../../src/analyze/markdown-report.js';
import { renderSequenceSvg } from '../../src/analyze/sequence-svg.js';
import { parseScenario } from '../../src/scenario/parser.js';
import { requireTool } from '../helpers/tools.js';
import { SEGMENTED_PCAP, SEGMENTED_SCENARIO } from './fixture.js';

const tshark = await requireTool('tshark');

describe.skipIf(tshark.skip)(tshark.title('analysis of the segmented fixture (found by the heuristic: no --port given)'), () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await analyzeCapture(SEGMENTED_PCAP);
  });

  it('finds both TCP connections with their handshake and teardown frames and client-ids', () => {
    expect(a.connections.map((c) => c.clientId)).toEqual(['alice', 'bob']);
    for (const c of a.connections) {
      expect(c.handshake).toHaveLength(3);
      expect(c.fins.length).toBeGreaterThanOrEqual(2);
      expect(c.server).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(c.client).not.toBe(c.server);
    }
    expect(a.resets).toEqual([]);
    expect(a.retransmissions).toEqual([]);
  });

  it('lists every PDU once, in frame order, with direction and size', () => {
    expect(a.pdus).toHaveLength(28);
    expect(a.pdus.map((p) => p.frame)).toEqual([...a.pdus.map((p) => p.frame)].sort((x, y) => x - y));
    const login = a.pdus.find((p) => p.line === 'LOGIN alice')!;
    expect(login).toMatchObject({ direction: 'request', bytes: 12 });
    expect(login.carriedIn).toHaveLength(12);
    expect(a.pdus.filter((p) => p.direction === 'request').map((p) => p.line)).toEqual([
      'LOGIN alice', 'LOGIN bob', 'LIST', 'PING t1', 'MSG alice hi there', 'MSG ALL hello everyone',
      'NOPE x', 'MSG bob', '\\xff\\xfe', 'LOGOFF bob', 'LOGOFF alice',
    ]);
  });

  it('counts the services', () => {
    expect(serviceCount(a, 'LOGIN')).toBe(2);
    expect(serviceCount(a, 'OK LOGIN')).toBe(2);
    expect(serviceCount(a, 'MSG')).toBe(1);
    expect(serviceCount(a, 'MSG delivery')).toBe(1);
    expect(serviceCount(a, 'MSG ALL')).toBe(1);
    expect(serviceCount(a, 'MSG ALL delivery')).toBe(1);
    expect(serviceCount(a, 'OK MSG ALL')).toBe(1);
    expect(serviceCount(a, 'ERR 400')).toBe(3);
    expect(serviceCount(a, 'MSG (malformed)')).toBe(1);
    expect(serviceCount(a, 'NOPE')).toBe(1);
    expect(serviceCount(a, 'LOGOFF')).toBe(2);
    expect(serviceCount(a, '(malformed)')).toBe(1);
  });

  it('gives the layer headers of a frame with byte ranges that add up to the frame', () => {
    const frame = a.frames.find((f) => f.pdus.some((p) => p.line === 'MSG ALL hello everyone'))!;
    const rows = headerFields(frame);
    const byField = Object.fromEntries(rows.map((r) => [`${r.layer} ${r.field}`, r]));
    expect(byField['Ethernet EtherType']!.bytes).toEqual([12, 13]);
    expect(byField['IPv4 TTL']).toMatchObject({ value: '64', bytes: [22, 22] });
    expect(byField['IPv4 source address']).toMatchObject({ value: '127.0.0.1', bytes: [26, 29] });
    expect(byField['TCP source port']!.bytes).toEqual([34, 35]);
    const payload = byField['CHAT-MSG TCP payload']!;
    expect(payload.value).toBe('24 bytes');
    expect(payload.bytes[1]).toBe(frame.length - 1);
    expect(byField['TCP header length, flags']!.value).toMatch(/PSH, ACK/);
  });

  it('renders a report with the numbers and a self-contained SVG', () => {
    const report = renderMarkdownReport(a, 'x.svg');
    expect(report).toContain('| CHAT-MSG PDUs | 28 |');
    expect(report).toContain('| LOGIN | request | 2 |');
    expect(report).toContain('```mermaid\nsequenceDiagram');
    expect(report).toContain('![sequence diagram](x.svg)');
    const svg = renderSequenceSvg(a.diagram);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(svg.match(/marker-end/g)).toHaveLength(28);
    expect(svg).toContain('\\xff\\xfe');
  });

  it('--expect passes when the scenario matches the capture', () => {
    const check = checkScenario(parseScenario(SEGMENTED_SCENARIO, 'segmented.scenario'), a.pdus);
    expect(check.problems).toEqual([]);
    expect(check.ok).toBe(true);
    expect(check.streams).toEqual({ alice: 0, bob: 1 });
  });

  it('--expect fails on a line the capture does not hold', () => {
    const text = SEGMENTED_SCENARIO.replace('bob< PONG t1', 'bob< PONG t2');
    const check = checkScenario(parseScenario(text, 'missing.scenario'), a.pdus);
    expect(check.ok).toBe(false);
    expect(check.problems.join('\n')).toMatch(/missing\.scenario:\d+: bob< PONG t2 is not in the capture/);
  });

  it('--expect fails when the capture contradicts the scenario order', () => {
    const text = `description: bob cannot log in after alice saw him leave
clients: alice bob
alice> LOGIN alice
alice< LEFT bob
bob> LOGIN bob
`;
    const check = checkScenario(parseScenario(text, 'order.scenario'), a.pdus);
    expect(check.ok).toBe(false);
    expect(check.problems.join('\n')).toMatch(/bob> LOGIN bob in frame \d+ comes before frame \d+, which the scenario waited for first/);
  });

  it('--expect names the first sent line that no connection carries', () => {
    const text = SEGMENTED_SCENARIO.replace('alice> LOGOFF alice', 'alice> MSG ALL never sent\nalice> LOGOFF alice');
    const check = checkScenario(parseScenario(text, 'unsent.scenario'), a.pdus);
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual([expect.stringMatching(/^unsent\.scenario:\d+: alice> MSG ALL never sent is on no TCP connection that carries alice's lines before it$/)]);
  });

  it('--expect says so when the capture has fewer connections than the scenario has clients', () => {
    const text = SEGMENTED_SCENARIO.replace('clients: alice bob', 'clients: alice bob carol');
    const check = checkScenario(parseScenario(text, 'three.scenario'), a.pdus);
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual(['the capture has fewer CHAT-MSG connections (2) than the scenario has clients (3)']);
  });
});
