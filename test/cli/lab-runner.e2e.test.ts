import { execa } from 'execa';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../lab/agent-process.js';

/**
 * The Docker lab's runner without Docker: the real built runner, server agent and client
 * agents as processes on 127.0.0.1, as the compose file wires them in containers.
 */

const RUNNER_BIN = fileURLToPath(new URL('../../dist/cli/lab-runner.js', import.meta.url));

/** A port nothing listens on right now, for the server the server agent starts. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

let cwd: string;
let agents: RunningAgent[] = [];
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'chatmsg-lab-runner-'));
  agents = await Promise.all([startAgent(['--once']), startAgent(['--once']), startAgent(['--once'])]);
});
afterEach(async () => {
  for (const agent of agents) agent.process.kill();
  await Promise.all(agents.map((agent) => agent.process));
  await rm(cwd, { recursive: true, force: true });
});

async function runner(scenario: string) {
  const [server, ...clients] = agents.map((agent) => `127.0.0.1:${agent.port}`);
  return execa(process.execPath, [RUNNER_BIN, scenario], {
    cwd,
    reject: false,
    stdin: 'ignore',
    timeout: 60_000,
    env: { LAB_SERVER: `127.0.0.1:${await freePort()}`, LAB_SERVER_AGENT: server, LAB_CLIENT_AGENTS: clients.join(',') },
  });
}

describe('chatmsg-lab-runner (agents as local processes)', () => {
  it('runs a scenario through the agents, prints the live log and verdict, writes the evidence, and the agents stop', async () => {
    const run = await runner('basic');
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('scenario basic: every service once: LOGIN, MSG to one client, MSG ALL, LIST, PING, HELP, LOGOFF');
    expect(lines).toContain('  .. container: alice -> vm (127.0.0.1)');
    expect(run.stdout).toMatch(/^ {2}pass +[\d.]+ ms {2}\S*basic\.scenario:7 {2}alice< OK LOGIN alice$/m);
    expect(run.stdout).toMatch(/^PASS basic: 28\/28 steps passed in [\d.]+ s$/m);
    const [folder] = await readdir(join(cwd, 'captures'));
    expect(run.stdout).toContain(`evidence: captures/${folder}/ (summary.md, result.json, transcripts, server.log)`);
    expect((await readdir(join(cwd, 'captures', folder!))).sort()).toEqual(['client-alice.log', 'client-bob.log', 'result.json', 'server.log', 'summary.md']);
    // --once agents exit when the runner says the run is over.
    expect((await Promise.all(agents.map((agent) => agent.process))).map((result) => result.exitCode)).toEqual([0, 0, 0]);
  });

  it('an unknown scenario is a usage error, and the agents are still told to stop', async () => {
    const run = await runner('no-such-scenario');
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^chatmsg-lab-runner: no scenario "no-such-scenario"/);
    expect((await Promise.all(agents.map((agent) => agent.process))).map((result) => result.exitCode)).toEqual([0, 0, 0]);
    expect(await readdir(cwd)).toEqual([]);
  });
});
