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
import { imageExists, resolveBaseImages } from '../../src/lab/base-images.js';
import { findCompose } from '../../src/lab/compose-command.js';
import { LAB_PROJECT, removeLabContainers } from '../../src/lab/lab-containers.js';
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

/** The images the lab builds: removed before the runs that must work on a machine that never built them. */
const LAB_IMAGES = ['chatmsg-lab:latest', 'chatmsg-lab-capture:latest'];

/** Makes this machine one that has never built the lab images (under the lab lock: no run is using them). */
async function removeLabImages(): Promise<void> {
  const release = await acquireLabLock(RUN_TIMEOUT_MS, () => {});
  try {
    for (const image of LAB_IMAGES) {
      if (await imageExists(image)) await execa('docker', ['rmi', image]);
      expect(await imageExists(image), `${image} removed`).toBe(false);
    }
  } finally {
    await release();
  }
}

/** Compose v1 says `Pulling client1 (chatmsg-lab:latest)...`, v2 `client1 Pulling`: neither may touch a lab image. */
const PULLS_A_LAB_IMAGE = /Pulling \S+ \(chatmsg-lab|pull access denied|\b(server|client\d|runner|capture|lab-image)\s+Pulling/;

/** IDs of every container the lab's project label names. */
async function labContainerIds(): Promise<string[]> {
  const result = await execa('docker', ['ps', '-a', '-q', '--no-trunc', '--filter', `label=com.docker.compose.project=${LAB_PROJECT}`]);
  return String(result.stdout).split('\n').filter(Boolean);
}

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
    await removeLabImages();
    const run = await compose(['broadcast5']);
    expect(run.output).toContain('PASS broadcast5');
    expect(run.output).not.toMatch(PULLS_A_LAB_IMAGE);
    for (const image of LAB_IMAGES) expect(await imageExists(image), `${image} built`).toBe(true);
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
    await removeLabImages();
    const release = await acquireLabLock(RUN_TIMEOUT_MS, () => {});
    try {
      // No --abort-on-container-exit: `up` returns only because every container ended.
      const up = await compose(['up']);
      const output = String(up.all);
      expect(up.exitCode, output.slice(-3000)).toBe(0);
      // Built once each, by the one service that builds it, before any node needs it (v1 logs
      // `Building <service>`; v2's progress output differs, the compose-file invariants cover it).
      if (tool.major === 1) {
        for (const builder of ['lab-image', 'capture']) expect(output.match(new RegExp(`Building ${builder}\\b`, 'g')) ?? [], builder).toHaveLength(1);
        expect(output).not.toMatch(/Building (server|client\d|runner)\b/);
      }
      expect(output).not.toMatch(PULLS_A_LAB_IMAGE);
      for (const image of LAB_IMAGES) expect(await imageExists(image), `${image} built`).toBe(true);
      expect(output).toMatch(/PASS broadcast5: \d+\/\d+ steps passed/);
      expect(output).toMatch(/capture: saved captures\/broadcast5-\d{8}T\d{6}Z\.pcap/);
    } finally {
      await compose(['down', '--remove-orphans', '--volumes']);
      await release();
    }
  });

  it('a --keep run, then --remote: no container of the kept run is left, and the clients run against the server elsewhere, captured on the lab bridge', { timeout: RUN_TIMEOUT_MS }, async () => {
    const kept = await compose(['basic', '--keep']);
    expect(kept.exitCode, kept.output.slice(-3000)).toBe(0);
    expect(kept.output).not.toContain('tidied up');
    const keptIds = await labContainerIds();
    // The server too, which the remote file set switches off (Compose v2's down leaves it).
    const keptServices = await execa('docker', ['inspect', '-f', '{{index .Config.Labels "com.docker.compose.service"}}', ...keptIds]);
    expect(String(keptServices.stdout).split('\n').sort()).toEqual(['capture', 'client1', 'client2', 'client3', 'client4', 'client5', 'runner', 'server']);

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
      const stillThere = (await labContainerIds()).filter((id) => keptIds.includes(id));
      expect(stillThere).toEqual([]);
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
    // The whole sequence under the lab lock (the compose runs it starts run under it): the other
    // lab's network holds the lab's subnet, so no other lab run on this machine may start meanwhile.
    const release = await acquireLabLock(RUN_TIMEOUT_MS, () => {});
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
      await release();
    }
  });

  it('fails with the runner\'s message for an unknown scenario, and still tidies up', { timeout: RUN_TIMEOUT_MS }, async () => {
    const run = await compose(['no-such-scenario']);
    expect(run.exitCode).toBe(2);
    expect(run.output).toContain('no scenario "no-such-scenario"');
    expect(run.output).toContain('FAIL (exit 2)');
    expect(run.output).toContain('tidied up: no lab containers or networks left');
  });

  it('removes every container and network the lab label names, running or stopped, whatever file set made them', { timeout: RUN_TIMEOUT_MS }, async () => {
    const { DEBIAN_IMAGE } = await resolveBaseImages(process.env);
    const labels = (service: string) => ['--label', `com.docker.compose.project=${LAB_PROJECT}`, '--label', `com.docker.compose.service=${service}`];
    const release = await acquireLabLock(RUN_TIMEOUT_MS, () => {});
    const lines: string[] = [];
    try {
      await execa('docker', ['network', 'create', '--label', `com.docker.compose.project=${LAB_PROJECT}`, 'chatmsg-lab-planted-net']);
      await execa('docker', ['create', ...labels('server'), '--name', 'chatmsg-lab-planted-stopped', '--network', 'chatmsg-lab-planted-net', DEBIAN_IMAGE, 'true']);
      await execa('docker', ['run', '-d', ...labels('no-such-service'), '--name', 'chatmsg-lab-planted-running', DEBIAN_IMAGE, 'sleep', '600']);
      // Not the lab's: same image, no lab label; must survive.
      await execa('docker', ['create', '--name', 'chatmsg-other-project', DEBIAN_IMAGE, 'true']);
      expect(await removeLabContainers((line) => lines.push(line))).toBe('');
      expect(await labContainerIds()).toEqual([]);
      expect(lines).toEqual([
        expect.stringMatching(/^removing 2 lab container\(s\) that compose down left: (chatmsg-lab-planted-running, chatmsg-lab-planted-stopped|chatmsg-lab-planted-stopped, chatmsg-lab-planted-running)$/),
        'removing lab network(s) that compose down left: chatmsg-lab-planted-net',
      ]);
      expect((await execa('docker', ['inspect', 'chatmsg-other-project'], { reject: false })).exitCode).toBe(0);
      // A second call finds nothing and says nothing.
      expect(await removeLabContainers((line) => lines.push(line))).toBe('');
      expect(lines).toHaveLength(2);
    } finally {
      await execa('docker', ['rm', '-f', 'chatmsg-lab-planted-stopped', 'chatmsg-lab-planted-running', 'chatmsg-other-project'], { reject: false });
      await execa('docker', ['network', 'rm', 'chatmsg-lab-planted-net'], { reject: false });
      await release();
    }
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
