import { execa } from 'execa';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLIENT_BIN } from '../helpers/server-process.js';
import { requireTool } from '../helpers/tools.js';
import { bundleServer, renderCloudInit, REPO_ROOT, runScript, writeFilesOf } from './azure-helpers.js';
import { startNodeMirror } from './node-mirror.js';
import { buildHostImage, NODE_IN_CONTAINER, SystemdHost } from './systemd-host.js';

// End to end, as on the Azure VM: the rendered cloud-init payload is applied to a Debian container running
// systemd (its write_files written, its runcmd run, Node install pointed at this test's node), then real
// clients connect to the server the service started, over the container's own address.
const docker = await requireTool('docker');
const PORT = 5151;
const PROBE_BIN = `${REPO_ROOT}dist/cli/probe.js`;
const SERVICE = 'chatmsg-server';
let host: SystemdHost;
let runcmd: string[][];
let firstProvision: { exitCode?: number; stderr: string };

/** Runs the payload's runcmd; by default with Node taken from this test's own binary. */
async function provision(env: Record<string, string> = { CHATMSG_NODE_BINARY: NODE_IN_CONTAINER }) {
  let last = { exitCode: 0 as number | undefined, stderr: '' };
  for (const command of runcmd) {
    const result = await host.exec(command, { env });
    last = { exitCode: result.exitCode, stderr: result.stderr };
    if (result.exitCode !== 0) break;
  }
  return last;
}

async function mainPid(): Promise<number> {
  const result = await host.exec(['systemctl', 'show', '-p', 'MainPID', '--value', SERVICE]);
  return Number(result.stdout.trim());
}

/** chatmsg-probe with --wait: the service may take a moment to listen again after a (re)start. */
async function probeUntilPass(): Promise<string> {
  const result = await execa('node', [PROBE_BIN, host.ip, String(PORT), '--wait', '15', '--interval', '0.5'], {
    reject: false,
  });
  return result.stdout;
}

describe.skipIf(docker.skip)(docker.title('the cloud-init payload on a systemd machine'), () => {
  beforeAll(async () => {
    const [bundle] = await Promise.all([bundleServer(), buildHostImage()]);
    const cloudConfig = parse((await renderCloudInit(bundle)).text);
    runcmd = cloudConfig.runcmd;
    host = new SystemdHost();
    await host.start();
    for (const file of writeFilesOf(cloudConfig)) await host.writeFile(file);
    firstProvision = await provision();
  }, 600_000);

  afterAll(async () => {
    await host?.remove();
  });

  it('provisions without error and reports the service running', () => {
    expect(firstProvision.exitCode, firstProvision.stderr).toBe(0);
    expect(firstProvision.stderr).toMatch(/chatmsg-server is running/);
  });

  it('serves CHAT-MSG/1 to a real client over the network: HELLO, LOGIN, PING/PONG, LOGOFF', async () => {
    const result = await execa('node', [CLIENT_BIN, host.ip, String(PORT)], {
      input: 'LOGIN azure-e2e\nPING e2e-token\nLOGOFF azure-e2e\n',
      reject: false,
      timeout: 20_000,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const received = result.stdout.split('\n').filter((line) => / < /.test(line)).map((line) => line.split(' < ')[1]);
    expect(received[0]).toMatch(/^HELLO CHAT-MSG\/1 /);
    expect(received).toContain('OK LOGIN azure-e2e');
    expect(received).toContain('PONG e2e-token');
  });

  it('status.sh --server gives a PASS verdict for it', async () => {
    const result = await runScript('status.sh', ['--server', `${host.ip}:${PORT}`], { PATH: process.env.PATH ?? '' });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(String(result.stdout)).toMatch(new RegExp(`^PASS ${host.ip.replaceAll('.', '\\.')}:${PORT}: `, 'm'));
  });

  it('runs the server as the unprivileged chatmsg user, not root', async () => {
    const pid = await mainPid();
    expect(pid).toBeGreaterThan(0);
    const owner = await host.exec(['stat', '-c', '%U', `/proc/${pid}`]);
    expect(owner.stdout.trim()).toBe('chatmsg');
    const shell = await host.exec(['getent', 'passwd', 'chatmsg']);
    expect(shell.stdout.trim()).toMatch(/:\/usr\/sbin\/nologin$/);
  });

  it('logs to journald', async () => {
    // journald may take a moment to store what the service wrote: poll, bounded.
    let journal = await host.exec(['journalctl', '-u', SERVICE, '--no-pager', '-o', 'cat']);
    for (let i = 0; i < 20 && !/azure-e2e/.test(journal.stdout); i++) {
      await sleep(250);
      journal = await host.exec(['journalctl', '-u', SERVICE, '--no-pager', '-o', 'cat']);
    }
    expect(journal.stdout).toMatch(new RegExp(`listening on 0\\.0\\.0\\.0:${PORT}`));
    expect(journal.stdout).toMatch(/azure-e2e/);
  });

  it('the unit passes systemd-analyze verify without a warning', async () => {
    const verify = await host.exec(['systemd-analyze', 'verify', `/etc/systemd/system/${SERVICE}.service`]);
    expect(verify.exitCode).toBe(0);
    expect(`${verify.stdout}${verify.stderr}`.trim()).toBe('');
  });

  it('systemd-analyze verify does flag a broken unit (the check can fail)', async () => {
    const broken = await host.exec([
      'sh', '-c',
      `sed 's/^Restart=on-failure/Restart=sometimes/' /etc/systemd/system/${SERVICE}.service >/tmp/broken.service && systemd-analyze verify /tmp/broken.service`,
    ]);
    expect(broken.stderr).toMatch(/Failed to parse service restart specifier/);
  });

  it('restarts the server after a crash (Restart=on-failure)', async () => {
    const before = await mainPid();
    // A crash as the kernel would end it, not a stop systemd was asked for.
    const kill = await host.exec(['sh', '-c', `kill -KILL ${before}`]);
    expect(kill.exitCode, kill.stderr).toBe(0);
    let after = 0;
    for (let i = 0; i < 40 && (after === 0 || after === before); i++) {
      await sleep(250);
      after = await mainPid();
    }
    expect(after).not.toBe(before);
    expect(after).toBeGreaterThan(0);
    expect(await probeUntilPass()).toMatch(/^PASS /);
  }, 30_000);

  it('provisioning again is harmless: the service comes back and answers', async () => {
    const again = await provision();
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/node v\d+/);
    expect(await probeUntilPass()).toMatch(/^PASS /);
  }, 60_000);

  describe('the Node.js download (from a local mirror laid out like the release site)', () => {
    it('refuses a tarball whose checksum does not match, and leaves the running service alone', async () => {
      const mirror = await startNodeMirror({ host: host.gateway, major: '24', corruptChecksum: true });
      try {
        const result = await provision({ NODE_DIST_URL: mirror.url });
        expect(result.exitCode).not.toBe(0);
        expect(result.stderr).toMatch(/checksum mismatch for node-v[\d.]+-linux-x64\.tar\.xz.*nothing installed/);
      } finally {
        await mirror.close();
      }
      expect(await probeUntilPass()).toMatch(/^PASS /);
    }, 240_000);

    it('downloads, verifies and installs Node.js, then restarts the service on it', async () => {
      const mirror = await startNodeMirror({ host: host.gateway, major: '24' });
      try {
        const result = await provision({ NODE_DIST_URL: mirror.url });
        expect(result.exitCode, result.stderr).toBe(0);
        expect(result.stderr).toMatch(/downloading node-v[\d.]+-linux-x64\.tar\.xz/);
      } finally {
        await mirror.close();
      }
      const version = await host.exec(['/usr/local/bin/node', '--version']);
      expect(version.stdout.trim()).toBe(process.version);
      expect(await probeUntilPass()).toMatch(/^PASS /);
    }, 240_000);
  });
});
