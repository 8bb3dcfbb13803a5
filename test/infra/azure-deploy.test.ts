import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { requireTool } from '../helpers/tools.js';
import { azEnvironment, bundleServer, closedPort as freePort, deployedGroup, REPO_ROOT, runScript, TEST_SSH_SOURCE } from './azure-helpers.js';

const fakeAz = await requireTool('python3-jmespath');
const fakeAzAndOpenssl = await requireTool('python3-jmespath', 'openssl');

// deploy.sh's logic with `az` replaced by fake-az.sh (Azure is out of reach here), against a REAL
// CHAT-MSG server on 127.0.0.1 standing in for the VM's public address.
let bundle: string;
let server: RunningServer;
let closedPort: number;

beforeAll(async () => {
  bundle = await bundleServer();
  server = await startServer();
  closedPort = await freePort();
});
afterAll(async () => {
  await server?.stop();
});

const deployArgs = () => ['--ssh-source', TEST_SSH_SOURCE, '--server-bundle', bundle];
const startsWith = (calls: string[], prefix: string) => calls.filter((call) => call.startsWith(prefix));
/** What the VM of `deployedGroup()` runs after a deploy: the tags deploy.sh wrote. */
const vmOf = async (az: Awaited<ReturnType<typeof azEnvironment>>) => (await az.world()).groups['chatmsg-lab']!.vms['chatmsg-server']!;

describe.skipIf(fakeAz.skip)(fakeAz.title('deploy.sh, first run'), () => {
  it('creates everything, waits until the server answers HELLO and PONG, then prints the commands', async () => {
    const az = await azEnvironment();
    const result = await runScript('deploy.sh', [...deployArgs(), '--port', String(server.port)], az.env);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const calls = await az.calls();
    for (const command of ['group create', 'network nsg create', 'network public-ip create', 'vm create', 'vm auto-shutdown']) {
      expect(startsWith(calls, command), command).toHaveLength(1);
    }
    expect(startsWith(calls, 'network nsg rule create')).toHaveLength(2);
    const group = (await az.world()).groups['chatmsg-lab']!;
    expect(group.tags).toEqual({ purpose: 'chatmsg-lab' });
    expect(group.nsgs['chatmsg-server-nsg']!.securityRules.map((rule) => [rule.name, rule.destinationPortRange])).toEqual([
      ['allow-chatmsg', String(server.port)],
      ['allow-ssh-from-caller', '22'],
    ]);
    const vm = group.vms['chatmsg-server']!;
    expect(vm.tags).toMatchObject({ chatmsg_port: String(server.port), chatmsg_secure: 'false' });
    expect(vm.custom_data).toMatch(/^#cloud-config\n/);
    expect(vm.shutdown).toBe('2200');
    expect(String(result.stdout)).toMatch(/^PASS 127\.0\.0\.1:\d+: .*HELLO CHAT-MSG\/1.*PONG/m);
    expect(String(result.stdout)).toContain(`npm run client -- 127.0.0.1 ${server.port}`);
    expect(String(result.stdout)).toContain(`npm run scenario basic -- --server 127.0.0.1:${server.port}`);
    expect(String(result.stdout)).toMatch(/^ {2}DNS name: chatmsg-server-[0-9a-f]{6}\.westeurope\.cloudapp\.azure\.com$/m);
  });

  // The commands deploy.sh prints must work as printed (npm run X -- args = node dist/cli/X.js args).
  it('prints client and scenario commands that work against the server', async () => {
    const az = await azEnvironment();
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
    const scenario = await execa('node', [join(REPO_ROOT, 'dist/cli/scenario.js'), ...printed('scenario'), '--out', outDir], {
      reject: false,
    });
    expect(scenario.exitCode, `${scenario.stdout}\n${scenario.stderr}`).toBe(0);
  });

  it('refuses a resource group it did not create (destroy.sh would delete all of it)', async () => {
    const az = await azEnvironment({ groups: { 'chatmsg-lab': { ...deployedGroup(), tags: {} } } });
    const result = await runScript('deploy.sh', deployArgs(), az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toMatch(
      /^deploy: error: resource group chatmsg-lab exists and was not made by deploy\.sh \(no tag purpose=chatmsg-lab\): pick another name with -g$/m,
    );
    expect((await az.calls()).some((call) => / create /.test(` ${call} `))).toBe(false);
  });

  it('fails with a pointer to the troubleshooting when the server never answers', async () => {
    const az = await azEnvironment();
    const result = await runScript('deploy.sh', [...deployArgs(), '--port', String(closedPort), '--wait-timeout', '1'], az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stdout)).toMatch(/^FAIL 127\.0\.0\.1:\d+: connect: .*ECONNREFUSED/m);
    expect(String(result.stderr)).toMatch(
      /^deploy: error: the server did not answer within 1 s: see infra\/README\.md, Troubleshooting \(ssh azureuser@127\.0\.0\.1, then sudo cat \/var\/log\/cloud-init-output\.log\)$/m,
    );
    expect(String(result.stderr)).toMatch(
      /^deploy: left behind: resource group chatmsg-lab \(westeurope\) with NSG chatmsg-server-nsg, public IP chatmsg-server-ip, VM chatmsg-server: run deploy\.sh again once fixed, or delete it with infra\/azure\/destroy\.sh -g chatmsg-lab$/m,
    );
  });
});

describe.skipIf(fakeAz.skip)(fakeAz.title('deploy.sh, run again'), () => {
  it('keeps a VM that runs this payload: no re-provisioning, rules updated, shutdown set', async () => {
    const az = await azEnvironment();
    const args = [...deployArgs(), '--port', String(server.port)];
    expect((await runScript('deploy.sh', args, az.env)).exitCode).toBe(0);
    const before = (await az.calls()).length;
    const again = await runScript('deploy.sh', args, az.env);
    expect(again.exitCode, String(again.stderr)).toBe(0);
    const calls = (await az.calls()).slice(before);
    expect(calls.filter((call) => /^(group|network nsg|network public-ip|vm) create /.test(call))).toEqual([]);
    expect(startsWith(calls, 'network nsg rule create')).toHaveLength(2);
    expect(startsWith(calls, 'vm run-command')).toEqual([]);
    expect(startsWith(calls, 'vm auto-shutdown')).toHaveLength(1);
    expect(String(again.stderr)).toMatch(/^deploy: VM chatmsg-server exists and runs this port, these options and this server: kept$/m);
    expect(String(again.stderr)).toMatch(/^deploy: resource group chatmsg-lab exists \(made by deploy\.sh\), kept$/m);
    expect(String(again.stderr)).toMatch(new RegExp(`^deploy: waiting for the server at 127\\.0\\.0\\.1:${server.port} \\(cloud-init installs Node\\.js and the service, a few minutes\\)$`, 'm'));
  });

  it('starts a VM the daily auto-shutdown deallocated, then waits for the server', async () => {
    const az = await azEnvironment();
    const args = [...deployArgs(), '--port', String(server.port)];
    expect((await runScript('deploy.sh', args, az.env)).exitCode).toBe(0);
    const world = await az.world();
    world.groups['chatmsg-lab']!.vms['chatmsg-server']!.power = 'deallocated';
    const az2 = await azEnvironment(world);
    const again = await runScript('deploy.sh', args, az2.env);
    expect(again.exitCode, String(again.stderr)).toBe(0);
    expect(String(again.stderr)).toMatch(/^deploy: VM chatmsg-server is deallocated: starting it \(the daily auto-shutdown deallocates it\)$/m);
    const calls = await az2.calls();
    expect(calls).toContain('vm start --resource-group chatmsg-lab --name chatmsg-server -o none');
    expect(calls.findIndex((call) => call.startsWith('vm start'))).toBeLessThan(calls.findIndex((call) => call.startsWith('vm auto-shutdown')));
    expect((await vmOf(az2)).power).toBe('running');
    expect(String(again.stdout)).toMatch(/^PASS /m);
  });

  it('applies a changed --port to the running VM (run-command), moves the rule and the tag', async () => {
    const az = await azEnvironment();
    expect((await runScript('deploy.sh', [...deployArgs(), '--port', String(closedPort), '--wait-timeout', '0'], az.env)).exitCode).toBe(1);
    const again = await runScript('deploy.sh', [...deployArgs(), '--port', String(server.port)], az.env);
    expect(again.exitCode, String(again.stderr)).toBe(0);
    expect(String(again.stderr)).toMatch(/VM chatmsg-server runs other settings or server code: applying port \d+/);
    const vm = await vmOf(az);
    expect(vm.tags.chatmsg_port).toBe(String(server.port));
    expect(vm.scripts).toHaveLength(1);
    expect(vm.scripts![0]).toContain(`CHATMSG_PORT=${server.port}\n`);
    expect(vm.scripts![0]).toMatch(/^bash \/opt\/chatmsg\/provision\.sh$/m);
    const rule = (await az.world()).groups['chatmsg-lab']!.nsgs['chatmsg-server-nsg']!.securityRules.find((r) => r.name === 'allow-chatmsg')!;
    expect(rule.destinationPortRange).toBe(String(server.port));
    const calls = await az.calls();
    expect(calls.find((call) => call.startsWith('vm run-command invoke'))).toMatch(/--command-id RunShellScript --scripts @\S+reprovision\.sh /);
  });

  it.each([
    ['--server-options', ['--server-options', '--max-clients 7'], 'CHATMSG_OPTIONS=--max-clients 7\n'],
    ['--node-major', ['--node-major', '22'], 'NODE_MAJOR=22\n'],
  ])('applies a changed %s to the running VM', async (_, extra, expected) => {
    const az = await azEnvironment();
    const args = [...deployArgs(), '--port', String(server.port)];
    expect((await runScript('deploy.sh', args, az.env)).exitCode).toBe(0);
    const again = await runScript('deploy.sh', [...args, ...extra], az.env);
    expect(again.exitCode, String(again.stderr)).toBe(0);
    expect((await vmOf(az)).scripts![0]).toContain(expected);
  });

  it('applies new server code: a different bundle changes the payload', async () => {
    const az = await azEnvironment();
    const args = ['--ssh-source', TEST_SSH_SOURCE, '--port', String(server.port)];
    expect((await runScript('deploy.sh', [...args, '--server-bundle', bundle], az.env)).exitCode).toBe(0);
    const other = await bundleServer();
    await execa('sh', ['-c', `echo '// another version' >>'${other}'`]);
    const again = await runScript('deploy.sh', [...args, '--server-bundle', other], az.env);
    expect(again.exitCode, String(again.stderr)).toBe(0);
    expect((await vmOf(az)).scripts).toHaveLength(1);
  });

  it('without --port keeps the port the VM serves, as its tag says', async () => {
    const az = await azEnvironment();
    expect((await runScript('deploy.sh', [...deployArgs(), '--port', String(server.port)], az.env)).exitCode).toBe(0);
    const again = await runScript('deploy.sh', deployArgs(), az.env);
    expect(again.exitCode, String(again.stderr)).toBe(0);
    expect(String(again.stderr)).toMatch(new RegExp(`^deploy: VM chatmsg-server serves port ${server.port}: kept \\(--port to change it\\)$`, 'm'));
    expect((await vmOf(az)).scripts).toBeUndefined();
  });

  it('a failed re-provisioning stops with its output and the way to look closer', async () => {
    const az = await azEnvironment({
      groups: { 'chatmsg-lab': deployedGroup({ tags: { chatmsg_port: '5151', chatmsg_config: 'older' } }) },
      run_command_stdout: '',
      run_command_stderr: 'provision: error: chatmsg-server did not start',
    });
    const result = await runScript('deploy.sh', deployArgs(), az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toContain('provision: error: chatmsg-server did not start');
    expect(String(result.stderr)).toMatch(
      /^deploy: error: re-provisioning VM chatmsg-server failed \(its output above\): ssh azureuser@127\.0\.0\.1, then journalctl -u chatmsg-server -n 50$/m,
    );
    const calls = await az.calls();
    expect(calls.at(-1)).toMatch(/^vm run-command invoke /);
    expect((await vmOf(az)).tags.chatmsg_config).toBe('older');
  });

  it('refuses a changed --size: that needs a new VM', async () => {
    const az = await azEnvironment({ groups: { 'chatmsg-lab': deployedGroup({ size: 'Standard_B1ms' }) } });
    const result = await runScript('deploy.sh', [...deployArgs(), '--size', 'Standard_B2ats_v2'], az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toMatch(
      /^deploy: error: VM chatmsg-server exists with size Standard_B1ms; --size Standard_B2ats_v2 needs a new VM: run infra\/azure\/destroy\.sh -g chatmsg-lab first, or leave --size out$/m,
    );
    expect((await az.calls()).at(-1)).toMatch(/^vm list /);
  });

  it('without --size keeps the size of the VM that exists', async () => {
    const az = await azEnvironment({ groups: { 'chatmsg-lab': deployedGroup({ size: 'Standard_B1ms', tags: { chatmsg_port: String(server.port) } }) } });
    const result = await runScript('deploy.sh', deployArgs(), az.env);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(String(result.stderr)).toMatch(/^deploy: VM chatmsg-server exists with size Standard_B1ms: kept$/m);
    expect(String(result.stdout)).toMatch(/, westeurope, Standard_B1ms\)$/m);
  });

  it('refuses a changed --image: that needs a new VM', async () => {
    const az = await azEnvironment({ groups: { 'chatmsg-lab': deployedGroup({ tags: { chatmsg_image: 'Canonical:ubuntu-24_04-lts:server:latest' } }) } });
    const result = await runScript('deploy.sh', [...deployArgs(), '--image', 'Debian:debian-12:12:latest'], az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toMatch(/^deploy: error: VM chatmsg-server exists with image Canonical:ubuntu-24_04-lts:server:latest; --image Debian:debian-12:12:latest needs a new VM: run infra\/azure\/destroy\.sh -g chatmsg-lab first, or leave --image out$/m);
  });

  it('deploys into the group\'s own region when -l is not given, and says so', async () => {
    const az = await azEnvironment({ groups: { 'chatmsg-lab': deployedGroup({ location: 'swedencentral' }) } });
    const result = await runScript('deploy.sh', [...deployArgs(), '--port', String(server.port)], az.env);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(String(result.stderr)).toMatch(/^deploy: resource group chatmsg-lab exists in swedencentral: deploying there, not in westeurope$/m);
    expect(String(result.stdout)).toMatch(/\(VM chatmsg-server in chatmsg-lab, swedencentral, /);
  });

  it('refuses -l <another region> for an existing group: run destroy.sh first (ARM would answer InvalidResourceLocation)', async () => {
    const az = await azEnvironment({ groups: { 'chatmsg-lab': deployedGroup({ location: 'westeurope' }) } });
    const result = await runScript('deploy.sh', [...deployArgs(), '-l', 'northeurope'], az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toMatch(
      /^deploy: error: resource group chatmsg-lab is in westeurope, not northeurope: run infra\/azure\/destroy\.sh -g chatmsg-lab first, or deploy with -l westeurope or another -g$/m,
    );
    expect((await az.calls()).at(-1)).toMatch(/^group show /);
  });

  it('never re-creates an NSG blind: one left in another region is refused', async () => {
    const group = deployedGroup({ location: 'northeurope' });
    group.vms = {};
    group.nsgs['chatmsg-server-nsg']!.location = 'westeurope';
    const az = await azEnvironment({ groups: { 'chatmsg-lab': group } });
    const result = await runScript('deploy.sh', deployArgs(), az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toMatch(
      /^deploy: error: NSG chatmsg-server-nsg exists in westeurope, not northeurope: run infra\/azure\/destroy\.sh -g chatmsg-lab first$/m,
    );
    const calls = await az.calls();
    expect(calls.at(-1)).toMatch(/^network nsg list /);
    expect(startsWith(calls, 'network nsg create')).toEqual([]);
  });
});

describe.skipIf(fakeAzAndOpenssl.skip)(fakeAzAndOpenssl.title('deploy.sh --secure'), () => {
  it('makes the lab CA and a certificate for the IP and DNS name here, sends the VM only the certificate and key', async () => {
    const tlsDir = join(await makeTempDir('chatmsg-tls-'), 'tls');
    const az = await azEnvironment();
    const result = await runScript(
      'deploy.sh',
      [...deployArgs(), '--secure', '--tls-dir', tlsDir, '--dns-label', 'chat-lab-test', '--port', '443', '--wait-timeout', '0'],
      az.env,
    );
    // Nothing serves TLS on 127.0.0.1:443 here: the wait fails, everything before it is checked.
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toMatch(
      new RegExp(`^deploy: making the lab CA and a certificate for 127\\.0\\.0\\.1 and chat-lab-test\\.westeurope\\.cloudapp\\.azure\\.com in ${tlsDir}$`, 'm'),
    );
    const san = await execa('openssl', ['x509', '-in', join(tlsDir, 'server.crt'), '-noout', '-ext', 'subjectAltName']);
    expect(san.stdout).toContain('IP Address:127.0.0.1');
    expect(san.stdout).toContain('DNS:chat-lab-test.westeurope.cloudapp.azure.com');
    const vm = await vmOf(az);
    const caKey = await readFile(join(tlsDir, 'ca.key'), 'utf8');
    const serverKey = await readFile(join(tlsDir, 'server.key'), 'utf8');
    const keyBody = (pem: string) => pem.split('\n').filter((line) => line && !line.startsWith('-----'))[0]!;
    expect(vm.custom_data).toContain(keyBody(serverKey));
    expect(vm.custom_data).not.toContain(keyBody(caKey));
    expect(vm.custom_data).toContain('CHATMSG_SECURE_OPTIONS=--tls --cert /etc/chatmsg/tls/server.crt');
    expect(vm.tags).toMatchObject({ chatmsg_port: '443', chatmsg_secure: 'true' });
  });

  it('waits for the TLS server with the lab CA, prints the client command with --tls --ca; status.sh checks it the same way', async () => {
    const tlsDir = join(await makeTempDir('chatmsg-tls-'), 'tls');
    await execa(join(REPO_ROOT, 'scripts/make-lab-ca.sh'), [tlsDir, 'chat-lab-test.westeurope.cloudapp.azure.com']);
    const tlsServer = await startServer(['--tls', '--cert', join(tlsDir, 'server.crt'), '--key', join(tlsDir, 'server.key')]);
    try {
      const az = await azEnvironment();
      const args = [...deployArgs(), '--secure', '--tls-dir', tlsDir, '--dns-label', 'chat-lab-test', '--port', String(tlsServer.port)];
      const result = await runScript('deploy.sh', args, az.env);
      expect(result.exitCode, String(result.stderr)).toBe(0);
      expect(String(result.stderr)).toMatch(/^deploy: TLS certificate for 127\.0\.0\.1 and chat-lab-test\.westeurope\.cloudapp\.azure\.com in .*: kept$/m);
      expect(String(result.stdout)).toMatch(/^PASS 127\.0\.0\.1:\d+: /m);
      const client = String(result.stdout).split('\n').find((line) => line.trim().startsWith('npm run client -- '))!;
      expect(client.trim()).toBe(`npm run client -- 127.0.0.1 ${tlsServer.port} --tls --ca ${tlsDir}/ca.crt`);
      expect(String(result.stdout)).not.toMatch(/npm run (scenario|compose)/);
      // The printed command works as printed.
      const run = await execa('node', [join(REPO_ROOT, 'dist/cli/client.js'), ...client.trim().split(' -- ')[1]!.split(' ')], {
        input: 'LOGIN tls-check\nLOGOFF tls-check\n',
        reject: false,
      });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout).toContain('< OK LOGIN tls-check');

      const status = await runScript('status.sh', ['--tls-dir', tlsDir], az.env);
      expect(status.exitCode, String(status.stderr)).toBe(0);
      expect(String(status.stdout)).toMatch(new RegExp(`^VM chatmsg-server \\(chatmsg-lab\\): VM running, public IP 127\\.0\\.0\\.1, port ${tlsServer.port}, TLS only$`, 'm'));
      const noCa = await runScript('status.sh', ['--tls-dir', join(tlsDir, 'missing')], az.env);
      expect(noCa.exitCode).toBe(1);
      expect(String(noCa.stdout)).toMatch(/^FAIL the server is TLS only \(deploy\.sh --secure\) and there is no lab CA at .*missing\/ca\.crt: copy ca\.crt from the machine that deployed, or give --tls-dir$/m);
    } finally {
      await tlsServer.stop();
    }
  });

  it('a later run without --secure keeps the secure variant', async () => {
    const tlsDir = join(await makeTempDir('chatmsg-tls-'), 'tls');
    const az = await azEnvironment();
    await runScript('deploy.sh', [...deployArgs(), '--secure', '--tls-dir', tlsDir, '--port', String(closedPort), '--wait-timeout', '0'], az.env);
    const again = await runScript('deploy.sh', [...deployArgs(), '--wait-timeout', '0'], { ...az.env, CHATMSG_TLS_DIR: tlsDir });
    expect(String(again.stderr)).toMatch(/^deploy: VM chatmsg-server serves the secure variant: kept$/m);
    expect(String(again.stderr)).toMatch(/runs this port, these options and this server: kept/);
  });
});
