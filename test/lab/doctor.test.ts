import { execa } from 'execa';
import { symlink } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { clearStaleLabNetwork } from '../../src/lab/compose-run.js';
import { checkNode } from '../../src/lab/doctor-checks.js';
import { acquireLabLock } from '../../src/lab/lab-lock.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { requireTool } from '../helpers/tools.js';

const DOCTOR = fileURLToPath(new URL('../../dist/cli/doctor.js', import.meta.url));
const COMPOSE = fileURLToPath(new URL('../../dist/cli/compose.js', import.meta.url));
const LINE = /^(ok|warn|FAIL)\s+\S.*?\s{2,}\S/;

/** A PATH with only node on it: the machine of a student who has installed nothing else. */
async function bareNodePath(): Promise<string> {
  const dir = await makeTempDir('doctor-path-');
  await symlink(process.execPath, join(dir, 'node'));
  return dir;
}

describe('npm run doctor', () => {
  it('prints one line per check and exits 1 exactly when a required check fails', async () => {
    const result = await execa('node', [DOCTOR], { reject: false });
    const lines = String(result.stdout).split('\n');
    const checks = lines.slice(0, -1);
    for (const name of ['node', 'docker', 'tcpdump', 'tshark', 'port 5151', 'capture permission']) {
      expect(checks.some((line) => new RegExp(`^\\S+\\s+${name}\\s`).test(line)), `${name} in\n${result.stdout}`).toBe(true);
    }
    for (const line of checks) expect(line).toMatch(LINE);
    // With an engine, the wan option is checked too (ok, or a warning saying why not).
    if (/^ok\s+docker\s/m.test(String(result.stdout))) {
      expect(result.stdout).toMatch(/^(ok|warn)\s+wan \(netem\)\s+\S/m);
      expect(result.stdout).toMatch(/^ok\s+compose\s+(docker compose|docker-compose) \d+\.\d+\.\d+\S* \(Compose v\d+, (plugin|standalone)\); the lab/m);
      expect(result.stdout).toMatch(/^(ok|FAIL)\s+lab network\s+172\.28\.0\.0\/24 is (free for the lab|taken\. )/m);
    }
    const failed = checks.filter((line) => line.startsWith('FAIL')).length;
    expect(result.exitCode).toBe(failed > 0 ? 1 : 0);
    expect(lines.at(-1)).toBe(failed > 0 ? `${failed} required check(s) failed` : 'everything the lab needs is here');
  });

  it('says what to install when docker, compose and tcpdump are missing', async () => {
    const result = await execa('node', [DOCTOR], { reject: false, env: { PATH: await bareNodePath() } });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^FAIL\s+docker\s+no docker client: apt-get install docker.io/m);
    expect(result.stdout).toMatch(/^FAIL\s+tcpdump\s+not found: apt-get install tcpdump/m);
    expect(result.stdout).toMatch(/^warn\s+tshark\s+not found: apt-get install tshark/m);
  });

  it('warns when the chat port is taken', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const result = await execa('node', [DOCTOR, '--port', String(port)], { reject: false });
      expect(result.stdout).toMatch(new RegExp(`^warn\\s+port ${port}\\s+in use: stop what listens there`, 'm'));
    } finally {
      server.close();
    }
  });

  it('refuses a bad --port with one line and exit 2', async () => {
    const result = await execa('node', [DOCTOR, '--port', 'http'], { reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('chatmsg-doctor: bad --port "http"');
  });

  it('knows which Node.js is too old', () => {
    expect(checkNode('20.4.0').status).toBe('FAIL');
    expect(checkNode('18.19.1').detail).toContain('install Node.js 20.5 or newer');
    expect(checkNode('20.5.0').status).toBe('ok');
    expect(checkNode('24.1.0').status).toBe('ok');
  });
});

const docker = await requireTool('docker');

describe.skipIf(docker.skip)(docker.title('npm run doctor with a Docker engine'), () => {
  const CLASHING = 'chatmsg-doctor-clash';

  it('doctor and compose refuse while another Docker network holds part of 172.28.0.0/24, and say which to remove', async () => {
    // Under the lab lock: while the clashing network exists, no lab run on this machine can start.
    const release = await acquireLabLock(600_000, () => {});
    try {
      expect(await clearStaleLabNetwork(() => {})).toBe(true);
      await execa('docker', ['network', 'rm', CLASHING], { reject: false });
      await execa('docker', ['network', 'create', '--subnet', '172.28.0.0/16', CLASHING]);
      const result = await execa('node', [DOCTOR], { reject: false });
      expect(result.exitCode).toBe(1);
      expect(result.stdout).toMatch(
        /^FAIL\s+lab network\s+172\.28\.0\.0\/24 is taken\. Docker network chatmsg-doctor-clash uses 172\.28\.0\.0\/16: remove it \(docker network rm chatmsg-doctor-clash\)/m,
      );
      // npm run compose says the same before it builds anything (it checks before taking the lock we hold).
      const lab = await execa('node', [COMPOSE, 'broadcast5'], { reject: false, all: true, timeout: 120_000 });
      expect(lab.exitCode).toBe(1);
      expect(lab.all).toContain('the lab network 172.28.0.0/24 is taken. Docker network chatmsg-doctor-clash uses 172.28.0.0/16');
    } finally {
      await execa('docker', ['network', 'rm', CLASHING], { reject: false });
      await release();
    }
    const after = await execa('node', [DOCTOR], { reject: false });
    expect(after.stdout).toMatch(/^ok\s+lab network\s+172\.28\.0\.0\/24 is free for the lab/m);
  }, 700_000);
});

describe('npm run compose, before any container', () => {
  it.each([
    [['--remote', 'a:b:c'], 'bad --remote "a:b:c"'],
    [['--remote', 'host:99999'], 'bad --remote port "99999"'],
    [['basic', 'errors'], 'one scenario at a time'],
    [['--timeout', '0'], 'bad --timeout "0"'],
    [['--frobnicate'], "Unknown option '--frobnicate'"],
  ])('%j -> exit 2 with one clear line', async (args, message) => {
    const result = await execa('node', [COMPOSE, ...args], { reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('says what to install when no Compose answers', async () => {
    const result = await execa('node', [COMPOSE, 'broadcast5'], { reject: false, env: { PATH: await bareNodePath() } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('neither the `docker compose` plugin nor a `docker-compose` binary answers');
  });
});
