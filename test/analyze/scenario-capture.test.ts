import { execa } from 'execa';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCapture, serviceCount, type Analysis } from '../../src/analyze/analysis.js';
import { checkScenario } from '../../src/analyze/expect-scenario.js';
import { serverFilter, serverFromEvidence, type ServerEndpoint } from '../../src/analyze/server-endpoint.js';
import { loadScenario } from '../../src/scenario/catalog.js';
import { parseFieldRows, tsharkFields } from '../wireshark/helpers/tshark-fields.js';

const SCENARIO_BIN = fileURLToPath(new URL('../../dist/cli/scenario.js', import.meta.url));
const ANALYZE_BIN = fileURLToPath(new URL('../../dist/cli/analyze.js', import.meta.url));

/** Runs a scenario through the runner's CLI with --capture; returns its evidence folder. */
async function runWithCapture(name: string, parent: string): Promise<string> {
  const run = await execa('node', [SCENARIO_BIN, name, '--capture', '--out', parent], { reject: false });
  expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
  const [folder] = (await readdir(parent)).filter((f) => f.startsWith(`${name}-`));
  return join(parent, folder!);
}

describe('broadcast5 captured by the scenario runner, dissected and analysed', () => {
  let dir: string;
  let pcap: string;
  let server: ServerEndpoint;
  let analysis: Analysis;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chatmsg-b5-'));
    pcap = join(await runWithCapture('broadcast5', dir), 'traffic.pcap');
    server = (await serverFromEvidence(pcap))!;
    analysis = await analyzeCapture(pcap, { port: server.port, filter: serverFilter(server) });
  }, 90_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the dissector fields show 5 LOGIN, 5 MSG ALL requests and 20 MSG ALL deliveries', async () => {
    const rows = parseFieldRows(await tsharkFields(pcap, ['chatmsg.direction', 'chatmsg.verb', 'chatmsg.target'], {
      port: server.port,
      filter: `chatmsg && ${serverFilter(server)}`,
    }));
    const pdus = rows.flatMap((row) => {
      const verbs = row['chatmsg.verb']!.split(',');
      const directions = row['chatmsg.direction']!.split(',');
      return verbs.map((verb, i) => `${directions[i]} ${verb}`);
    });
    const count = (what: string) => pdus.filter((p) => p === what).length;
    expect(count('request LOGIN')).toBe(5);
    expect(count('request MSG')).toBe(5);
    expect(count('response MSG')).toBe(20);
    expect(count('response HELLO')).toBe(5);
    const broadcasts = parseFieldRows(await tsharkFields(pcap, ['chatmsg.line'], {
      port: server.port,
      filter: `chatmsg.direction == "request" && chatmsg.target == "ALL" && ${serverFilter(server)}`,
    }));
    expect(broadcasts.flatMap((r) => r['chatmsg.line']!.split(','))).toHaveLength(5);
  });

  it('the report counts the same: 5 LOGIN, 5 MSG ALL, 20 deliveries, 5 OK MSG ALL 4, 5 connections', async () => {
    expect(serviceCount(analysis, 'LOGIN')).toBe(5);
    expect(serviceCount(analysis, 'OK LOGIN')).toBe(5);
    expect(serviceCount(analysis, 'JOINED')).toBe(4 + 3 + 2 + 1);
    expect(serviceCount(analysis, 'MSG ALL')).toBe(5);
    expect(serviceCount(analysis, 'MSG ALL delivery')).toBe(20);
    expect(analysis.pdus.filter((p) => p.line === 'OK MSG ALL 4')).toHaveLength(5);
    // The scenario has no LOGOFF: its clients are ended by the runner.
    expect(serviceCount(analysis, 'LOGOFF')).toBe(0);
    expect(analysis.connections.map((c) => c.clientId).sort()).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
    for (const c of analysis.connections) expect(c.handshake).toHaveLength(3);
  });

  it('--expect broadcast5 passes on the run\'s own capture (CLI, server found from result.json)', async () => {
    const out = join(dir, 'report.md');
    const result = await execa('node', [ANALYZE_BIN, pcap, '--out', out, '--expect', 'broadcast5'], { reject: false });
    expect(result.stderr).toContain('scenario broadcast5: PASS');
    expect(result.exitCode).toBe(0);
    const report = await readFile(out, 'utf8');
    expect(report).toContain('| LOGIN | request | 5 |');
    expect(report).toContain('| MSG ALL | request | 5 |');
    expect(report).toMatch(/\| MSG ALL delivery \| response \| 20 \|/);
    expect(report).toContain('| TCP connections | 5 |');
  });

  it('--expect with another scenario fails on this capture', async () => {
    const check = checkScenario(await loadScenario('basic'), analysis.pdus);
    expect(check.ok).toBe(false);
    expect(check.problems.length).toBeGreaterThan(0);
  });
});
