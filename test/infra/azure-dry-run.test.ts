import { readFile, stat } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/tools.js';
import { azEnvironment, azLines, bundleServer, flagValue, runScript, TEST_SSH_SOURCE } from './azure-helpers.js';

const openssl = await requireTool('openssl');

// --dry-run must print every az command and run none: `az` here is a stand-in that records calls.
let bundle: string;
beforeAll(async () => {
  bundle = await bundleServer();
});

async function dryRun(script: string, args: string[] = [], extraEnv: Record<string, string> = {}) {
  const az = await azEnvironment();
  const result = await runScript(script, ['--dry-run', ...args], { ...az.env, ...extraEnv });
  expect(await az.calls(), 'a dry run must not call az').toEqual([]);
  return result;
}

async function deployDryRun(args: string[] = [], extraEnv: Record<string, string> = {}) {
  const result = await dryRun('deploy.sh', ['--ssh-source', TEST_SSH_SOURCE, '--server-bundle', bundle, ...args], extraEnv);
  expect(result.exitCode, String(result.stderr)).toBe(0);
  const lines = azLines(String(result.stdout));
  const find = (prefix: string, where: (line: string) => boolean = () => true) => {
    const found = lines.filter((line) => line.startsWith(prefix) && where(line));
    expect(found, `one "${prefix}" in:\n${lines.join('\n')}`).toHaveLength(1);
    return found[0]!;
  };
  return { result, lines, find };
}

describe('deploy.sh --dry-run', () => {
  it('checks the login with az account show, the check that fails when logged out', async () => {
    const { lines } = await deployDryRun();
    expect(lines[0]).toBe('az account show -o none');
  });

  it('creates a tagged resource group of its own', async () => {
    const { find } = await deployDryRun();
    const group = find('az group create');
    expect(flagValue(group, '--name')).toBe('chatmsg-lab');
    expect(flagValue(group, '--location')).toBe('westeurope');
    expect(flagValue(group, '--tags')).toBe('purpose=chatmsg-lab');
  });

  it('opens the chat port to the Internet and SSH only to the caller, at distinct priorities', async () => {
    const { find } = await deployDryRun();
    const chat = find('az network nsg rule create', (line) => line.includes('--name allow-chatmsg '));
    const ssh = find('az network nsg rule create', (line) => line.includes('--name allow-ssh-from-caller '));
    expect(flagValue(chat, '--destination-port-ranges')).toBe('5151');
    expect(flagValue(chat, '--source-address-prefixes')).toBe('Internet');
    expect(flagValue(ssh, '--destination-port-ranges')).toBe('22');
    expect(flagValue(ssh, '--source-address-prefixes')).toBe(`${TEST_SSH_SOURCE}/32`);
    for (const rule of [chat, ssh]) {
      expect(flagValue(rule, '--nsg-name')).toBe('chatmsg-server-nsg');
      expect(flagValue(rule, '--protocol')).toBe('Tcp');
      expect(flagValue(rule, '--direction')).toBe('Inbound');
      expect(flagValue(rule, '--access')).toBe('Allow');
    }
    expect(flagValue(chat, '--priority')).toBe('1000');
    expect(flagValue(ssh, '--priority')).toBe('1010');
  });

  it('creates the VM with the pinned size, image URN, its Standard static IP, our NSG and no default rule', async () => {
    const { find, lines } = await deployDryRun();
    const ip = find('az network public-ip create');
    expect(flagValue(ip, '--name')).toBe('chatmsg-server-ip');
    expect(flagValue(ip, '--sku')).toBe('Standard');
    expect(flagValue(ip, '--allocation-method')).toBe('Static');
    expect(flagValue(ip, '--dns-name')).toMatch(/^chatmsg-server-[0-9a-f]{6}$/);
    const vm = find('az vm create');
    expect(flagValue(vm, '--name')).toBe('chatmsg-server');
    expect(flagValue(vm, '--resource-group')).toBe('chatmsg-lab');
    expect(flagValue(vm, '--size')).toBe('Standard_B2ats_v2');
    expect(flagValue(vm, '--image')).toBe('Canonical:ubuntu-24_04-lts:server:latest');
    expect(flagValue(vm, '--public-ip-address')).toBe('chatmsg-server-ip');
    expect(lines.indexOf(ip)).toBeLessThan(lines.indexOf(vm));
    expect(flagValue(vm, '--nsg')).toBe('chatmsg-server-nsg');
    expect(flagValue(vm, '--nsg-rule')).toBe('NONE');
    // The rules exist before the VM, so the port is open as soon as the server starts.
    expect(lines.findIndex((line) => line.startsWith('az network nsg rule create'))).toBeLessThan(lines.indexOf(vm));
  });

  it('passes the rendered cloud-init file, carrying this checkout\'s server, as custom data', async () => {
    const { find } = await deployDryRun();
    const customData = await readFile(flagValue(find('az vm create'), '--custom-data')!, 'utf8');
    expect(customData.startsWith('#cloud-config\n')).toBe(true);
    expect(customData).toContain('CHATMSG_PORT=5151');
    expect(customData).toContain('encoding: gz+b64');
  });

  it('sets the daily auto-shutdown in UTC hhmm', async () => {
    const { find } = await deployDryRun(['--shutdown-time', '0630']);
    const shutdown = find('az vm auto-shutdown');
    expect(flagValue(shutdown, '--time')).toBe('0630');
    expect(flagValue(shutdown, '--name')).toBe('chatmsg-server');
  });

  it('prints the client, compose remote and scenario commands', async () => {
    const { result } = await deployDryRun(['--port', '6000']);
    const out = String(result.stdout);
    expect(out).toContain('npm run client -- <public-ip> 6000');
    expect(out).toContain('npm run compose -- broadcast5 --remote <public-ip>:6000');
    expect(out).toContain('npm run scenario basic -- --server <public-ip>:6000');
  });

  it('takes names, size, region and port from options', async () => {
    const { find } = await deployDryRun([
      '-g', 'lab-rg', '-n', 'chat1', '-l', 'swedencentral', '--size', 'Standard_B2pts_v2', '--port', '7070',
      '--chat-priority', '300', '--ssh-priority', '310',
    ]);
    const vm = find('az vm create');
    expect(flagValue(vm, '--resource-group')).toBe('lab-rg');
    expect(flagValue(vm, '--name')).toBe('chat1');
    expect(flagValue(vm, '--location')).toBe('swedencentral');
    expect(flagValue(vm, '--size')).toBe('Standard_B2pts_v2');
    // An Arm64 size needs the Arm64 image of the same Ubuntu.
    expect(flagValue(vm, '--image')).toBe('Canonical:ubuntu-24_04-lts:server-arm64:latest');
    const chat = find('az network nsg rule create', (line) => line.includes('allow-chatmsg'));
    expect(flagValue(chat, '--destination-port-ranges')).toBe('7070');
    expect(flagValue(chat, '--nsg-name')).toBe('chat1-nsg');
    expect(flagValue(chat, '--priority')).toBe('300');
  });

  it('takes names and size from environment variables', async () => {
    const { find } = await deployDryRun([], {
      CHATMSG_RESOURCE_GROUP: 'env-rg',
      CHATMSG_VM_NAME: 'envvm',
      CHATMSG_VM_SIZE: 'Standard_B1ms',
      CHATMSG_SHUTDOWN_TIME: '1900',
    });
    const vm = find('az vm create');
    expect(flagValue(vm, '--resource-group')).toBe('env-rg');
    expect(flagValue(vm, '--name')).toBe('envvm');
    expect(flagValue(vm, '--size')).toBe('Standard_B1ms');
    expect(flagValue(find('az vm auto-shutdown'), '--time')).toBe('1900');
  });

  it.each([
    [['--chat-priority', '1010'], /different priorities.*SecurityRuleConflict/],
    [['--shutdown-time', '2460'], /bad shutdown time '2460'/],
    [['--shutdown-time', '22:00'], /UTC hhmm/],
    [['--ssh-source', '300.1.1.1'], /bad SSH source/],
    [['--port', '70000'], /bad port '70000'/],
    [['--port', '22'], /port 22 is the VM's SSH: pick another, e.g. 443 or 5151/],
    [['--dns-label', 'Chat_1'], /bad DNS label 'Chat_1'/],
    [['--size'], /--size needs a value/],
    [['--image', 'Ubuntu2404'], /expected a URN/],
    [['--bogus'], /unknown option '--bogus'/],
  ])('refuses %j with exit 2 and one clear line', async (args, message) => {
    const result = await dryRun('deploy.sh', ['--ssh-source', TEST_SSH_SOURCE, '--server-bundle', bundle, ...args]);
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toMatch(message);
    expect(azLines(String(result.stdout))).toEqual([]);
  });

  it('checks region policy, size and quota before it creates anything', async () => {
    const { lines, find } = await deployDryRun();
    const policy = find('az policy assignment list');
    expect(policy).toContain(' --disable-scope-strict-match ');
    expect(flagValue(policy, '--query')).toBe("[?name=='sys.regionrestriction'] | [0].parameters.listOfAllowedLocations.value");
    const skus = find('az vm list-skus');
    expect(flagValue(skus, '--location')).toBe('westeurope');
    expect(flagValue(skus, '--size')).toBe('Standard_B2ats_v2');
    expect(flagValue(skus, '--resource-type')).toBe('virtualMachines');
    const usage = find('az vm list-usage');
    expect(flagValue(usage, '--location')).toBe('westeurope');
    const firstCreate = lines.findIndex((line) => / create /.test(line));
    for (const check of [policy, skus, usage]) expect(lines.indexOf(check)).toBeLessThan(firstCreate);
  });

  it('tags the VM with its port, payload, image and variant (status.sh and re-runs read them)', async () => {
    const { find } = await deployDryRun(['--port', '443']);
    const vm = find('az vm create');
    expect(vm).toMatch(/ --tags chatmsg_port=443 chatmsg_config=[0-9a-f]{16} chatmsg_image=Canonical:ubuntu-24_04-lts:server:latest chatmsg_secure=false /);
  });

  it('--port 443: opens 443 and grants the service CAP_NET_BIND_SERVICE, nothing more', async () => {
    const { find, result } = await deployDryRun(['--port', '443']);
    const chat = find('az network nsg rule create', (line) => line.includes('allow-chatmsg'));
    expect(flagValue(chat, '--destination-port-ranges')).toBe('443');
    const customData = await readFile(flagValue(find('az vm create'), '--custom-data')!, 'utf8');
    expect(customData).toContain('CHATMSG_PORT=443');
    expect(customData).toMatch(/^ {6}AmbientCapabilities=CAP_NET_BIND_SERVICE\n {6}CapabilityBoundingSet=CAP_NET_BIND_SERVICE$/m);
    expect(String(result.stdout)).toContain('npm run client -- <public-ip> 443');
  });

  it('the default port needs no capability at all', async () => {
    const { find } = await deployDryRun();
    const customData = await readFile(flagValue(find('az vm create'), '--custom-data')!, 'utf8');
    expect(customData).not.toContain('CAP_NET_BIND_SERVICE\n');
    expect(customData).not.toMatch(/AmbientCapabilities/);
  });

  it.skipIf(openssl.skip)(openssl.title('--secure: the VM gets a certificate and key, never the CA key, and runs --tls with a registry'), async () => {
    const { find, result } = await deployDryRun(['--secure']);
    const customDataPath = flagValue(find('az vm create'), '--custom-data')!;
    // It holds the server key: private to the user.
    expect((await stat(customDataPath)).mode & 0o777).toBe(0o600);
    const customData = await readFile(customDataPath, 'utf8');
    expect(customData).toContain('path: /etc/chatmsg/tls/server.crt');
    expect(customData).toContain('path: /etc/chatmsg/tls/server.key');
    expect(customData.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    expect(customData).toContain(
      'CHATMSG_SECURE_OPTIONS=--tls --cert /etc/chatmsg/tls/server.crt --key /etc/chatmsg/tls/server.key --registry /var/lib/chatmsg/registry.json --require-tls-login',
    );
    expect(find('az vm create')).toContain('chatmsg_secure=true');
    expect(String(result.stderr)).toMatch(/dry run: would make the lab CA and a certificate for <public-ip> and chatmsg-server-[0-9a-f]{6}\.westeurope\.cloudapp\.azure\.com in .*\.chatmsg-tls\/chatmsg-lab/);
    expect(String(result.stdout)).toMatch(/npm run client -- <public-ip> 5151 --tls --ca \S*\.chatmsg-tls\/chatmsg-lab\/ca\.crt/);
    expect(String(result.stdout)).not.toContain('npm run scenario');
  });

  it('needs no Internet without --ssh-source: the rule shows a placeholder', async () => {
    const az = await azEnvironment();
    const result = await runScript('deploy.sh', ['--dry-run', '--server-bundle', bundle], { ...az.env, PATH: az.env.PATH! });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(String(result.stderr)).not.toMatch(/asking the Internet/);
    expect(String(result.stderr)).toMatch(/^deploy: dry run: SSH source left as <your-ip> \(give --ssh-source to see it filled in\)$/m);
    expect(String(result.stderr)).toMatch(/^deploy: dry run: would wait until <public-ip>:5151 answers \(chatmsg-probe --wait 900\)$/m);
    const ssh = azLines(String(result.stdout)).find((line) => line.includes('allow-ssh-from-caller'))!;
    expect(flagValue(ssh, '--source-address-prefixes')).toBe('<your-ip>/32');
  });

  it('bundles the server itself when no --server-bundle is given (npm run bundle)', async () => {
    const az = await azEnvironment();
    const result = await runScript('deploy.sh', ['--dry-run', '--ssh-source', TEST_SSH_SOURCE], { ...az.env, npm_config_loglevel: 'error' });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(String(result.stderr)).toMatch(/^deploy: bundling the server \(npm run bundle\)$/m);
    expect(String(result.stderr)).toMatch(/bundle-server: wrote .*chatmsg-server\.mjs/);
    expect(azLines(String(result.stdout)).some((line) => line.startsWith('az vm create'))).toBe(true);
  });

  it('works without az installed', async () => {
    const az = await azEnvironment({}, { az: 'missing' });
    const result = await runScript('deploy.sh', ['--dry-run', '--ssh-source', TEST_SSH_SOURCE, '--server-bundle', bundle], az.env);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(azLines(String(result.stdout)).some((line) => line.startsWith('az vm create'))).toBe(true);
  });
});

describe('status.sh --dry-run', () => {
  it('asks Azure for the VM state and public IP', async () => {
    const result = await dryRun('status.sh', ['-g', 'lab-rg', '-n', 'chat1']);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const show = azLines(String(result.stdout)).find((line) => line.startsWith('az vm show'))!;
    expect(flagValue(show, '--resource-group')).toBe('lab-rg');
    expect(flagValue(show, '--name')).toBe('chat1');
    expect(show).toContain('powerState');
    expect(show).toContain('publicIps');
  });
});

describe('destroy.sh --dry-run', () => {
  it('deletes the whole resource group without a question', async () => {
    const result = await dryRun('destroy.sh', ['-g', 'lab-rg']);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const lines = azLines(String(result.stdout));
    expect(lines).toContain('az group delete --name lab-rg --yes');
    // The tag check comes first: only a group deploy.sh made is deleted.
    expect(lines.findIndex((line) => line.startsWith('az group show'))).toBeLessThan(
      lines.indexOf('az group delete --name lab-rg --yes'),
    );
  });

  it('passes --no-wait on', async () => {
    const result = await dryRun('destroy.sh', ['--no-wait']);
    expect(azLines(String(result.stdout))).toContain('az group delete --name chatmsg-lab --yes --no-wait');
  });
});

describe('--help', () => {
  it.each(['deploy.sh', 'status.sh', 'destroy.sh', 'render-cloud-init.sh'])('%s prints its usage and exits 0', async (script) => {
    const az = await azEnvironment();
    const result = await runScript(script, ['--help'], az.env);
    expect(result.exitCode).toBe(0);
    expect(String(result.stdout)).toMatch(new RegExp(`^Usage: ${script.replace('.', '\\.')} `, 'm'));
    expect(String(result.stdout)).not.toMatch(/shellcheck|^#/m);
  });
});
