/**
 * The Docker lab end to end, with a real Docker engine: `npm run compose` builds the images,
 * runs a scenario in five client containers, and the pcap is checked with the real tshark.
 * Slow (about a minute per compose run): the runs are sequential (one lab at a time).
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TCP_FLAGS } from '../../src/analyze/capture-model.js';
import { resolveBaseImages } from '../../src/lab/base-images.js';
import { findCompose } from '../../src/lab/compose-command.js';
import { LAB_PROJECT } from '../../src/lab/compose-run.js';
import { acquireLabLock } from '../../src/lab/lab-lock.js';
import { startServer } from '../helpers/server-process.js';
import { requireTool } from '../helpers/tools.js';
import { linesMatching, readLabCapture } from './pcap-checks.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COMPOSE_CLI = join(ROOT, 'dist/cli/compose.js');
const CLIENT_ADDRESSES = ['172.28.0.11', '172.28.0.12', '172.28.0.13', '172.28.0.14', '172.28.0.15'];
/** The host's address on the lab bridge: where the remote test's server is reached. */
const HOST_ON_LAB_BRIDGE = '172.28.0.1';
const RUN_TIMEOUT_MS = 600_000;

const lab = await requireTool('docker', 'docker-compose', 'tshark');

async function compose(args: string[]) {
  const result = await execa('node', [COMPOSE_CLI, ...args], { cwd: ROOT, all: true, reject: false, timeout: RUN_TIMEOUT_MS });
  const output = String(result.all);
  const pcap = /capture saved: (\S+\.pcap)/.exec(output)?.[1];
  const evidence = /evidence: (\S+?)\/? \(/.exec(output)?.[1];
  return { exitCode: result.exitCode, output, pcap: pcap && join(ROOT, pcap), evidence: evidence && join(ROOT, evidence) };
}

describe.skipIf(lab.skip)(lab.title('docker lab'), () => {
  afterAll(async () => {
    // Normally npm run compose has removed everything already; this covers a run that timed out.
    // Under the lab lock, so another lab run on this machine is never torn down.
    const tool = await findCompose();
    const release = await acquireLabLock(RUN_TIMEOUT_MS, () => {});
    try {
      if (tool) await execa(tool.file, [...tool.prefix, '-p', LAB_PROJECT, 'down', '--remove-orphans', '--volumes'], { cwd: ROOT, reject: false });
    } finally {
      await release();
    }
  }, RUN_TIMEOUT_MS);

  it('runs broadcast5 in five containers, says PASS, and the pcap shows every PDU', { timeout: RUN_TIMEOUT_MS }, async () => {
    const run = await compose(['broadcast5']);
    expect(run.output).toContain('PASS broadcast5');
    expect(run.exitCode, run.output.slice(-3000)).toBe(0);
    expect(run.pcap, 'the run names its pcap').toMatch(/captures\/broadcast5-\d{8}T\d{6}Z\.pcap$/);
    expect(run.output).toContain('tidied up: no lab containers or networks left');

    // tcpdump read every packet the filter passed before it stopped: none lost at the end.
    const captured = /(\d+) packets captured/.exec(run.output)?.[1];
    expect(captured).toBeDefined();
    expect(run.output).toContain(`${captured} packets received by filter`);

    const capture = await readLabCapture(run.pcap!, 5151);
    const seen = `${run.pcap}: requests ${JSON.stringify(capture.requests.map((p) => `${p.src} ${p.line}`))}`;
    // Captured on the server's eth0: real Ethernet headers, not Linux cooked ones.
    expect(capture.frames.every((frame) => frame.eth !== undefined)).toBe(true);
    expect([...capture.synSources].sort()).toEqual(CLIENT_ADDRESSES);
    const logins = linesMatching(capture.requests, /^LOGIN /);
    expect(logins.sort(), seen).toEqual(['alice', 'bob', 'carol', 'dave', 'erin'].map((id, i) => `${CLIENT_ADDRESSES[i]} LOGIN ${id}`));
    expect(linesMatching(capture.requests, /^MSG ALL /), seen).toHaveLength(5);
    expect(new Set(linesMatching(capture.requests, /^MSG ALL /).map((line) => line.split(' ')[0]))).toEqual(new Set(CLIENT_ADDRESSES));
    expect(linesMatching(capture.requests, /^LOGOFF /), seen).toHaveLength(5);
    // Every client receives the four others' broadcasts: 20 deliveries, 4 per address, none to the sender.
    const deliveries = linesMatching(capture.responses, /^MSG \S+ ALL /);
    expect(deliveries).toHaveLength(20);
    const dstCounts = new Map<string, number>();
    for (const pdu of capture.responses.filter((p) => /^MSG \S+ ALL /.test(p.line))) {
      const dst = pdu.dst.replace(/:\d+$/, '');
      dstCounts.set(dst, (dstCounts.get(dst) ?? 0) + 1);
    }
    expect([...dstCounts.values()]).toEqual([4, 4, 4, 4, 4]);
    expect(linesMatching(capture.responses, /^OK MSG ALL 4$/)).toHaveLength(5);

    // The runner's evidence folder, as npm run scenario writes it.
    expect(run.evidence).toBeDefined();
    expect(await readFile(join(run.evidence!, 'summary.md'), 'utf8')).toContain('PASS');
    expect(existsSync(join(run.evidence!, 'server.log'))).toBe(true);
  });

  it('plain `compose up` runs broadcast5 and the whole lab stops by itself', { timeout: RUN_TIMEOUT_MS }, async () => {
    const tool = (await findCompose())!;
    const baseImages = await resolveBaseImages(process.env);
    const compose = (args: string[]) =>
      execa(tool.file, [...tool.prefix, '-p', LAB_PROJECT, ...args], {
        cwd: ROOT,
        env: { ...process.env, ...baseImages },
        all: true,
        reject: false,
        timeout: RUN_TIMEOUT_MS,
      });
    const release = await acquireLabLock(RUN_TIMEOUT_MS, () => {});
    try {
      // No --abort-on-container-exit: `up` returns only because every container ended.
      const up = await compose(['up']);
      const output = String(up.all);
      expect(up.exitCode, output.slice(-3000)).toBe(0);
      expect(output).toMatch(/PASS broadcast5: \d+\/\d+ steps passed/);
      expect(output).toMatch(/capture: saved captures\/broadcast5-\d{8}T\d{6}Z\.pcap/);
    } finally {
      await compose(['down', '--remove-orphans', '--volumes']);
      await release();
    }
  });

  it('runs the clients against a server elsewhere with --remote, capturing on the lab bridge', { timeout: RUN_TIMEOUT_MS }, async () => {
    // The "remote" server: a real server on this machine, reached from the containers through
    // the lab bridge, so the traffic never leaves the machine.
    const server = await startServer(['--host', '0.0.0.0']);
    try {
      const run = await compose(['broadcast5', '--remote', `${HOST_ON_LAB_BRIDGE}:${server.port}`]);
      expect(run.exitCode, run.output.slice(-3000)).toBe(0);
      expect(run.output).not.toMatch(/chatmsg-lab[_-]server[_-]1/);
      const capture = await readLabCapture(run.pcap!, server.port);
      expect([...capture.synSources].sort()).toEqual(CLIENT_ADDRESSES);
      expect(linesMatching(capture.responses, /^MSG \S+ ALL /)).toHaveLength(20);
      expect(server.log()).toContain('LOGOFF');
      expect(run.output).toContain('tidied up: no lab containers or networks left');
    } finally {
      await server.stop();
    }
  });

  it('runs any scenario: presence, with an abrupt disconnect done through the agent', { timeout: RUN_TIMEOUT_MS }, async () => {
    const run = await compose(['presence']);
    expect(run.exitCode, run.output.slice(-3000)).toBe(0);
    expect(run.output).toMatch(/PASS presence: \d+\/\d+ steps passed/);
    expect(run.pcap).toMatch(/captures\/presence-\d{8}T\d{6}Z\.pcap$/);
    expect(run.output).toContain('tidied up: no lab containers or networks left');
  });

  it('removes a stopped lab left by a plain `up` under another project name, and refuses while it runs', { timeout: RUN_TIMEOUT_MS }, async () => {
    const tool = (await findCompose())!;
    const baseImages = await resolveBaseImages(process.env);
    const other = (args: string[]) =>
      execa(tool.file, [...tool.prefix, '-p', `${LAB_PROJECT}-other`, ...args], {
        cwd: ROOT,
        env: { ...process.env, ...baseImages },
        reject: false,
      });
    try {
      expect((await other(['up', '-d', 'server'])).exitCode).toBe(0);
      const refused = await compose(['basic']);
      expect(refused.exitCode).toBe(1);
      expect(refused.output).toContain(`another lab is running on network ${LAB_PROJECT}-other_lab`);
      await other(['stop']);
      const run = await compose(['basic']);
      expect(run.output).toContain(`removing the stale lab network ${LAB_PROJECT}-other_lab`);
      expect(run.exitCode, run.output.slice(-3000)).toBe(0);
    } finally {
      await other(['down', '--remove-orphans']);
    }
  });

  it('fails with the runner\'s message for an unknown scenario, and still tidies up', { timeout: RUN_TIMEOUT_MS }, async () => {
    const run = await compose(['no-such-scenario']);
    expect(run.exitCode).toBe(2);
    expect(run.output).toContain('no scenario "no-such-scenario"');
    expect(run.output).toContain('FAIL (exit 2)');
    expect(run.output).toContain('tidied up: no lab containers or networks left');
  });

  it('runs with --wan: netem delays the chat traffic, or the run stops at once saying the kernel lacks netem', { timeout: RUN_TIMEOUT_MS }, async () => {
    const run = await compose(['broadcast5', '--wan']);
    expect(run.output).toContain('tidied up: no lab containers or networks left');
    if (run.exitCode !== 0) {
      expect(run.output).toContain("the Docker host's kernel has no netem qdisc");
      return;
    }
    // Seen on the server's eth0: SYN/ACK out (after the server's netem) to the client's ACK in
    // (after the client's netem) takes one client-side delay, 40 ms +- 10 ms; without netem it is
    // well under a millisecond on the lab bridge.
    const capture = await readLabCapture(run.pcap!, 5151);
    const { SYN, ACK } = TCP_FLAGS;
    for (const stream of new Set(capture.frames.map((frame) => frame.tcp.stream))) {
      const frames = capture.frames.filter((frame) => frame.tcp.stream === stream);
      const synAck = frames.find((frame) => frame.tcp.flags === (SYN | ACK));
      const ack = frames.find((frame) => frame.tcp.flags === ACK && frame.tcp.srcPort !== 5151);
      expect(synAck && ack, `stream ${stream} has its handshake`).toBeTruthy();
      expect(ack!.time - synAck!.time).toBeGreaterThan(0.005);
    }
  });
});
