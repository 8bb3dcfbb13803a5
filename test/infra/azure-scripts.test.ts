import { execa } from 'execa';

import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { AZURE_DIR, azEnvironment, bundleServer, REPO_ROOT, runScript, TEST_SSH_SOURCE } from './azure-helpers.js';

// The scripts' own logic with `az` replaced by fake-az.sh (Azure is out of reach here), against a REAL
// CHAT-MSG server on 127.0.0.1 standing in for the VM's public address.
let bundle: string;
let server: RunningServer;
let closedPort: number;

beforeAll(async () => {
  bundle = await bundleServer();
  server = await startServer();
  // A port that was free a moment ago: nothing listens there.
  const probe: Server = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(async () => {
  await server?.stop();
});

const deployArgs = () => ['--ssh-source', TEST_SSH_SOURCE, '--server-bundle', bundle];
/** Arguments that get each script past its option checks to the az calls. */
const argsFor = (script: string): string[] =>
  script === 'deploy.sh' ? deployArgs() : script === 'destroy.sh' ? ['--yes'] : [];
const startsWith = (calls: string[], prefix: string) => calls.filter((call) => call.startsWith(prefix));

describe('every script checks az first', () => {
  it.each(['deploy.sh', 'status.sh', 'destroy.sh'])('%s: not logged in -> exit 1, told to run az login', async (script) => {
    const az = await azEnvironment({ LOGGED_OUT: '1' });
    const result = await runScript(script, argsFor(script), az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toMatch(/not logged in to Azure: run 'az login'/);
    expect(await az.calls()).toEqual(['account show -o none']);
  });

  it.each(['deploy.sh', 'status.sh', 'destroy.sh'])('%s: az missing -> exit 1, pointed at the prerequisites', async (script) => {
    const az = await azEnvironment({}, { az: 'missing' });
    const result = await runScript(script, argsFor(script), az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toMatch(/Azure CLI \(az\) is not installed/);
  });
});

describe('deploy.sh', () => {
  it('creates everything, waits until the server answers HELLO and PONG, then prints the commands', async () => {
    const az = await azEnvironment({ PUBLIC_IP: '127.0.0.1' });
    const result = await runScript('deploy.sh', [...deployArgs(), '--port', String(server.port)], az.env);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const calls = await az.calls();
    expect(startsWith(calls, 'group create')).toHaveLength(1);
    expect(startsWith(calls, 'network nsg rule create')).toHaveLength(2);
    expect(startsWith(calls, 'vm create')).toHaveLength(1);
    expect(startsWith(calls, 'vm auto-shutdown')).toHaveLength(1);
    expect(String(result.stdout)).toMatch(/^PASS 127\.0\.0\.1:\d+: .*HELLO CHAT-MSG\/1.*PONG/m);
    expect(String(result.stdout)).toContain(`npm run client -- 127.0.0.1 ${server.port}`);
    expect(String(result.stdout)).toContain(`npm run scenario basic -- --server 127.0.0.1:${server.port}`);
  });

  // The commands deploy.sh prints must work as printed (npm run X -- args = node dist/cli/X.js args).
  it('prints client and scenario commands that work against the server', async () => {
    const az = await azEnvironment({ PUBLIC_IP: '127.0.0.1' });
    const result = await runScript('deploy.sh', [...deployArgs(), '--port', String(server.port)], az.env);
    const printed = (name: string) => {
      const line = String(result.stdout).split('\n').find((text) => text.trim().startsWith(`npm run ${name} `));
      expect(line, `deploy.sh prints "npm run ${name} ..."`).toBeDefined();
      // "npm run scenario basic -- --server h:p" -> ["basic", "--server", "h:p"]
      const [command, args] = line!.trim().split(' -- ');
      return [...command!.split(' ').slice(3), ...args!.split(' ')];
    };
    const client = await execa('node', [join(REPO_ROOT, 'dist/cli/client.js'), ...printed('client')], {
      input: 'LOGIN deploy-check\nLOGOFF deploy-check\n',
      reject: false,
    });
    expect(client.exitCode, client.stderr).toBe(0);
    expect(client.stdout).toContain('< OK LOGIN deploy-check');
    const outDir = await makeTempDir('chatmsg-deploy-scenario-');
    const scenario = await execa(
      'node',
      [join(REPO_ROOT, 'dist/cli/scenario.js'), ...printed('scenario'), '--out', outDir],
      { reject: false },
    );
    expect(scenario.exitCode, `${scenario.stdout}\n${scenario.stderr}`).toBe(0);
  });

  it('run again: keeps its group and VM, updates the rules and the shutdown time', async () => {
    const az = await azEnvironment({ GROUP_EXISTS: 'true', VM_ID: '/subscriptions/x/vm', PUBLIC_IP: '127.0.0.1' });
    const result = await runScript('deploy.sh', [...deployArgs(), '--port', String(server.port)], az.env);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const calls = await az.calls();
    expect(startsWith(calls, 'group create')).toEqual([]);
    expect(startsWith(calls, 'vm create')).toEqual([]);
    expect(startsWith(calls, 'network nsg rule create')).toHaveLength(2);
    expect(startsWith(calls, 'vm auto-shutdown')).toHaveLength(1);
    expect(String(result.stderr)).toMatch(/VM chatmsg-server exists, kept/);
  });

  it('refuses a resource group it did not create (destroy.sh would delete all of it)', async () => {
    const az = await azEnvironment({ GROUP_EXISTS: 'true', GROUP_TAG: '' });
    const result = await runScript('deploy.sh', deployArgs(), az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toMatch(/exists and was not made by deploy\.sh/);
    const calls = await az.calls();
    expect(calls.some((call) => /^(group create|network|vm create)/.test(call))).toBe(false);
  });

  it('fails with a pointer to the troubleshooting when the server never answers', async () => {
    const az = await azEnvironment({ PUBLIC_IP: '127.0.0.1' });
    const result = await runScript('deploy.sh', [...deployArgs(), '--port', String(closedPort), '--wait-timeout', '1'], az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stdout)).toMatch(/^FAIL 127\.0\.0\.1:\d+: connect: .*ECONNREFUSED/m);
    expect(String(result.stderr)).toMatch(/did not answer within 1 s: see infra\/README\.md, Troubleshooting/);
  });
});

describe('status.sh', () => {
  it('PASS when the VM runs and the server answers from here', async () => {
    const az = await azEnvironment({ PUBLIC_IP: '127.0.0.1' });
    const result = await runScript('status.sh', ['--port', String(server.port)], az.env);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(String(result.stdout)).toMatch(/^VM chatmsg-server \(chatmsg-lab\): VM running, public IP 127\.0\.0\.1$/m);
    expect(String(result.stdout)).toMatch(/^PASS 127\.0\.0\.1:\d+: connected .*PING -> PONG in \d+ ms$/m);
  });

  it('FAIL when the port is closed', async () => {
    const az = await azEnvironment({ PUBLIC_IP: '127.0.0.1' });
    const result = await runScript('status.sh', ['--port', String(closedPort)], az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stdout)).toMatch(/^FAIL 127\.0\.0\.1:\d+: connect: .*nothing listens on that port/m);
  });

  it('--wait tries again before giving its verdict', async () => {
    const az = await azEnvironment({ PUBLIC_IP: '127.0.0.1' });
    const result = await runScript('status.sh', ['--port', String(closedPort), '--wait', '7'], az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toMatch(/not answering yet .*; attempt 2 in 5 s/);
    expect(String(result.stdout)).toMatch(/^FAIL /m);
  });

  it('FAIL with the start command when the VM is deallocated', async () => {
    const az = await azEnvironment({ POWER_STATE: 'VM deallocated', PUBLIC_IP: 'None' });
    const result = await runScript('status.sh', [], az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stdout)).toMatch(/VM deallocated, public IP none/);
    expect(String(result.stdout)).toMatch(/^FAIL the VM is not running: start it with az vm start -g chatmsg-lab -n chatmsg-server$/m);
  });

  it('FAIL when there is no VM', async () => {
    const az = await azEnvironment({ NO_VM: '1' });
    const result = await runScript('status.sh', [], az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stdout)).toMatch(/^FAIL no VM chatmsg-server in resource group chatmsg-lab/m);
  });

  it('--server checks any server without asking Azure', async () => {
    const az = await azEnvironment({ LOGGED_OUT: '1' });
    const result = await runScript('status.sh', ['--server', `127.0.0.1:${server.port}`], az.env);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(String(result.stdout)).toMatch(/^PASS /m);
    expect(await az.calls()).toEqual([]);
  });

  it('--server with a bad address -> exit 2', async () => {
    const az = await azEnvironment();
    const result = await runScript('status.sh', ['--server', '127.0.0.1'], az.env);
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toMatch(/expected HOST:PORT/);
  });
});

describe('destroy.sh', () => {
  it('--yes deletes the group deploy.sh made', async () => {
    const az = await azEnvironment({ GROUP_EXISTS: 'true' });
    const result = await runScript('destroy.sh', ['--yes'], az.env);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(await az.calls()).toContain('group delete --name chatmsg-lab --yes');
  });

  it('asks first: without --yes and without a terminal it deletes nothing', async () => {
    const az = await azEnvironment({ GROUP_EXISTS: 'true' });
    const result = await runScript('destroy.sh', [], az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toMatch(/run with --yes/);
    expect(startsWith(await az.calls(), 'group delete')).toEqual([]);
  });

  // On a terminal (util-linux `script` gives it one) it lists the resources and asks.
  it.each([
    ['n', 1, false],
    ['y', 0, true],
  ])('on a terminal, answering %s -> exit %i, deleted: %s', async (answer, exitCode, deleted) => {
    const az = await azEnvironment({ GROUP_EXISTS: 'true' });
    const result = await execa('script', ['-qec', `${AZURE_DIR}/destroy.sh`, '/dev/null'], {
      env: az.env,
      extendEnv: false,
      input: `${answer}\n`,
      reject: false,
    });
    expect(result.exitCode).toBe(exitCode);
    expect(result.stdout).toMatch(/Microsoft\.Compute\/virtualMachines\s+chatmsg-server/);
    expect(result.stdout).toMatch(/Delete resource group chatmsg-lab and everything above\? \[y\/N\]/);
    expect(startsWith(await az.calls(), 'group delete').length > 0).toBe(deleted);
  });

  it('never deletes a group deploy.sh did not create', async () => {
    const az = await azEnvironment({ GROUP_EXISTS: 'true', GROUP_TAG: 'something-else' });
    const result = await runScript('destroy.sh', ['--yes'], az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toMatch(/was not created by deploy\.sh/);
    expect(startsWith(await az.calls(), 'group delete')).toEqual([]);
  });

  it('nothing to delete is not an error (run it twice)', async () => {
    const az = await azEnvironment({ GROUP_EXISTS: 'false' });
    const result = await runScript('destroy.sh', ['--yes'], az.env);
    expect(result.exitCode).toBe(0);
    expect(String(result.stderr)).toMatch(/does not exist: nothing to delete/);
    expect(startsWith(await az.calls(), 'group delete')).toEqual([]);
  });
});
