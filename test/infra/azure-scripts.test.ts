import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server-process.js';
import { requireTool } from '../helpers/tools.js';
import { AZURE_DIR, azEnvironment, closedPort as freePort, deployedGroup, runScript, TEST_SSH_SOURCE } from './azure-helpers.js';

const fakeAz = await requireTool('python3-jmespath');

// status.sh and destroy.sh with `az` replaced by fake-az.sh (Azure is out of reach here), against a
// REAL CHAT-MSG server on 127.0.0.1 standing in for the VM's public address (deploy.sh: azure-deploy.test.ts).
let server: RunningServer;
let closedPort: number;

beforeAll(async () => {
  server = await startServer();
  closedPort = await freePort();
});
afterAll(async () => {
  await server?.stop();
});

/** Arguments that get each script past its option checks to the az calls (deploy.sh: no bundle needed). */
const argsFor = (script: string): string[] =>
  script === 'deploy.sh' ? ['--ssh-source', TEST_SSH_SOURCE, '--server-bundle', '/nonexistent'] : script === 'destroy.sh' ? ['--yes'] : [];
const startsWith = (calls: string[], prefix: string) => calls.filter((call) => call.startsWith(prefix));

describe.skipIf(fakeAz.skip)(fakeAz.title('every script checks az first'), () => {
  it.each(['deploy.sh', 'status.sh', 'destroy.sh'])('%s: not logged in -> exit 1, told to run az login', async (script) => {
    const az = await azEnvironment({ logged_in: false });
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

describe.skipIf(fakeAz.skip)(fakeAz.title('status.sh'), () => {
  it('PASS when the VM runs and the server answers from here', async () => {
    const az = await azEnvironment({ groups: { 'chatmsg-lab': deployedGroup() } });
    const result = await runScript('status.sh', ['--port', String(server.port)], az.env);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(String(result.stdout)).toMatch(new RegExp(`^VM chatmsg-server \\(chatmsg-lab\\): VM running, public IP 127\\.0\\.0\\.1, port ${server.port}$`, 'm'));
    expect(String(result.stdout)).toMatch(/^PASS 127\.0\.0\.1:\d+: connected .*PING -> PONG in \d+ ms$/m);
  });

  it('checks the port deploy.sh tagged the VM with', async () => {
    const az = await azEnvironment({ groups: { 'chatmsg-lab': deployedGroup({ tags: { chatmsg_port: String(server.port) } }) } });
    const result = await runScript('status.sh', [], az.env);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(String(result.stdout)).toMatch(new RegExp(`^PASS 127\\.0\\.0\\.1:${server.port}: `, 'm'));
  });

  it('FAIL when the port is closed', async () => {
    const az = await azEnvironment({ groups: { 'chatmsg-lab': deployedGroup() } });
    const result = await runScript('status.sh', ['--port', String(closedPort)], az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stdout)).toMatch(/^FAIL 127\.0\.0\.1:\d+: connect: .*nothing listens on that port/m);
  });

  it('--wait tries again before giving its verdict', async () => {
    const az = await azEnvironment({ groups: { 'chatmsg-lab': deployedGroup() } });
    const result = await runScript('status.sh', ['--port', String(closedPort), '--wait', '7'], az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toMatch(/not answering yet .*; attempt 2 in 5 s/);
    expect(String(result.stdout)).toMatch(/^FAIL /m);
  });

  it('FAIL with the start command when the VM is deallocated', async () => {
    const group = deployedGroup({ power: 'deallocated' });
    group.public_ips = {};
    const az = await azEnvironment({ groups: { 'chatmsg-lab': group } });
    const result = await runScript('status.sh', [], az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stdout)).toMatch(/VM deallocated, public IP none, port 5151$/m);
    expect(String(result.stdout)).toMatch(/^FAIL the VM is not running: start it with az vm start -g chatmsg-lab -n chatmsg-server$/m);
  });

  it('FAIL when there is no VM', async () => {
    const group = deployedGroup();
    group.vms = {};
    const az = await azEnvironment({ groups: { 'chatmsg-lab': group } });
    const result = await runScript('status.sh', [], az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stdout)).toMatch(/^FAIL no VM chatmsg-server in resource group chatmsg-lab/m);
  });

  it('--server checks any server without asking Azure', async () => {
    const az = await azEnvironment({ logged_in: false });
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

describe.skipIf(fakeAz.skip)(fakeAz.title('destroy.sh'), () => {
  it('--yes deletes the group deploy.sh made', async () => {
    const az = await azEnvironment({ groups: { 'chatmsg-lab': deployedGroup() } });
    const result = await runScript('destroy.sh', ['--yes'], az.env);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(await az.calls()).toContain('group delete --name chatmsg-lab --yes');
    expect((await az.world()).groups).toEqual({});
  });

  it('asks first: without --yes and without a terminal it deletes nothing', async () => {
    const az = await azEnvironment({ groups: { 'chatmsg-lab': deployedGroup() } });
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
    const az = await azEnvironment({ groups: { 'chatmsg-lab': deployedGroup() } });
    const result = await execa('script', ['-qec', `${AZURE_DIR}/destroy.sh`, '/dev/null'], {
      env: az.env,
      extendEnv: false,
      input: `${answer}\n`,
      reject: false,
    });
    expect(result.exitCode).toBe(exitCode);
    expect(result.stdout).toMatch(/Microsoft\.Compute\/virtualMachines\s+chatmsg-server/);
    expect(result.stdout).toMatch(/Microsoft\.Network\/publicIPAddresses\s+chatmsg-server-ip/);
    expect(result.stdout).toMatch(/Delete resource group chatmsg-lab and everything above\? \[y\/N\]/);
    expect(startsWith(await az.calls(), 'group delete').length > 0).toBe(deleted);
  });

  it('never deletes a group deploy.sh did not create', async () => {
    const az = await azEnvironment({ groups: { 'chatmsg-lab': { ...deployedGroup(), tags: { purpose: 'something-else' } } } });
    const result = await runScript('destroy.sh', ['--yes'], az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toMatch(/was not created by deploy\.sh/);
    expect(startsWith(await az.calls(), 'group delete')).toEqual([]);
  });

  it('nothing to delete is not an error (run it twice)', async () => {
    const az = await azEnvironment();
    const result = await runScript('destroy.sh', ['--yes'], az.env);
    expect(result.exitCode).toBe(0);
    expect(String(result.stderr)).toMatch(/does not exist: nothing to delete/);
    expect(startsWith(await az.calls(), 'group delete')).toEqual([]);
  });
});
