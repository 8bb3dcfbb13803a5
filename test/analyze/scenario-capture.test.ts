import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCapture, serviceCount, type Analysis } from '../../src/analyze/analysis.js';
import { checkScenario } from '../../src/analyze/expect-scenario.js';
import { serverFilter, type ServerEndpoint } from '../../src/analyze/server-endpoint.js';
import { loadScenario } from '../../src/scenario/catalog.js';
import { captureServerRun, type CapturedRun } from '../wireshark/helpers/captured-run.js';
import { parseFieldRows, tsharkFields } from '../wireshark/helpers/tshark-fields.js';
import { requireTool } from '../helpers/tools.js';

const capture = await requireTool('tcpdump', 'root', 'tshark');

const SCENARIO_BIN = fileURLToPath(new URL('../../dist/cli/scenario.js', import.meta.url));
const ANALYZE_BIN = fileURLToPath(new URL('../../dist/cli/analyze.js', import.meta.url));

/** Runs a scenario through the runner's CLI against a real server of ours, captured by our tcpdump. */
const runScenarioCaptured = (name: string) =>
  captureServerRun(name, async (port, dir) => {
    const run = await execa('node', [SCENARIO_BIN, name, '--server', `127.0.0.1:${port}`, '--out', dir], { reject: false });
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
  });

describe.skipIf(capture.skip)(capture.title('broadcast5 run by the scenario runner, captured on loopback, dissected and analysed'), () => {
  let run: CapturedRun;
  let pcap: string;
  let server: ServerEndpoint;
  let analysis: Analysis;

  beforeAll(async () => {
    run = await runScenarioCaptured('broadcast5');
    ({ pcap, server } = run);
    analysis = await analyzeCapture(pcap, { port: server.port, filter: serverFilter(server) });
  }, 90_000);
  afterAll(() => run?.remove());

  it('the dissector fields show 5 LOGIN, 5 MSG ALL requests, 20 MSG ALL deliveries and 5 LOGOFF', async () => {
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
    expect(count('request LOGOFF')).toBe(5);
    const broadcasts = parseFieldRows(await tsharkFields(pcap, ['chatmsg.line'], {
      port: server.port,
      filter: `chatmsg.direction == "request" && chatmsg.target == "ALL" && ${serverFilter(server)}`,
    }));
    expect(broadcasts.flatMap((r) => r['chatmsg.line']!.split(','))).toHaveLength(5);
  });

  it('the report counts the same: 5 LOGIN, 5 MSG ALL, 20 deliveries, 5 OK MSG ALL 4, 5 LOGOFF, 5 connections', async () => {
    expect(serviceCount(analysis, 'LOGIN')).toBe(5);
    expect(serviceCount(analysis, 'OK LOGIN')).toBe(5);
    expect(serviceCount(analysis, 'JOINED')).toBe(4 + 3 + 2 + 1);
    expect(serviceCount(analysis, 'MSG ALL')).toBe(5);
    expect(serviceCount(analysis, 'MSG ALL delivery')).toBe(20);
    expect(analysis.pdus.filter((p) => p.line === 'OK MSG ALL 4')).toHaveLength(5);
    expect(serviceCount(analysis, 'LOGOFF')).toBe(5);
    expect(serviceCount(analysis, 'OK LOGOFF')).toBe(5);
    expect(analysis.connections.map((c) => c.clientId).sort()).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
    for (const c of analysis.connections) expect(c.handshake).toHaveLength(3);
  });

  it('--expect broadcast5 passes on the capture of the run (CLI)', async () => {
    const out = join(run.dir, 'report.md');
    const args = [pcap, '--server', `${server.host}:${server.port}`, '--out', out, '--expect', 'broadcast5'];
    const result = await execa('node', [ANALYZE_BIN, ...args], { reject: false });
    expect(result.stderr).toContain('scenario broadcast5: PASS');
    expect(result.exitCode).toBe(0);
    const report = await readFile(out, 'utf8');
    expect(report).toContain('| LOGIN | request | 5 |');
    expect(report).toContain('| MSG ALL | request | 5 |');
    expect(report).toMatch(/\| MSG ALL delivery \| response \| 20 \|/);
    expect(report).toContain('| TCP connections | 5 |');
    expect(report).toContain('| LOGOFF | request | 5 |');
  });

  it('--expect with another scenario fails on this capture', async () => {
    const check = checkScenario(await loadScenario('basic'), analysis.pdus);
    expect(check.ok).toBe(false);
    expect(check.problems.length).toBeGreaterThan(0);
  });
});
