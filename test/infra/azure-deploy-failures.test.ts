import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { requireTool } from '../helpers/tools.js';
import {
  azEnvironment, bundleServer, defaultWorld, deployedGroup, runScript, TEST_SSH_SOURCE, type FakeWorld,
} from './azure-helpers.js';

const fakeAz = await requireTool('python3-jmespath');

// Every way deploy.sh can fail: it stops at once, exit 1, with one line saying what failed and what to
// do, runs no az command after the one that failed, and says what it leaves behind.
let bundle: string;
let server: RunningServer;

beforeAll(async () => {
  bundle = await bundleServer();
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

const deployArgs = () => ['--ssh-source', TEST_SSH_SOURCE, '--server-bundle', bundle, '--port', String(server.port)];
const creates = (calls: string[]) => calls.filter((call) => /^(group|network nsg|network nsg rule|network public-ip|vm) create /.test(call));
const errorLines = (stderr: unknown) => String(stderr).split('\n').filter((line) => line.startsWith('deploy: error: '));

async function deploy(world: Partial<FakeWorld>, extra: string[] = [], commands: Record<string, string> = {}) {
  const az = await azEnvironment(world, { commands });
  const result = await runScript('deploy.sh', [...deployArgs(), ...extra], az.env);
  return { result, calls: await az.calls(), world: await az.world(), stderr: String(result.stderr) };
}

const AUTHORIZATION_HINT =
  'your account may not do this in the current subscription: pick one where you are Owner or Contributor (az account set --subscription <id>)';
const LEFT_BEHIND =
  /^deploy: left behind: resource group chatmsg-lab \(westeurope\) with .*: run deploy\.sh again once fixed, or delete it with infra\/azure\/destroy\.sh -g chatmsg-lab$/m;

describe.skipIf(fakeAz.skip)(fakeAz.title('before anything is created'), () => {
  it('a failed npm run bundle stops it: no bundle, nothing created', async () => {
    const az = await azEnvironment({}, { commands: { npm: 'echo "src/cli/server.ts(1,1): error TS1005: \';\' expected." >&2; exit 1' } });
    const result = await runScript('deploy.sh', ['--ssh-source', TEST_SSH_SOURCE], az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toContain("error TS1005: ';' expected.");
    expect(errorLines(result.stderr)).toEqual([
      'deploy: error: npm run bundle failed (see above): fix the build, or pass --server-bundle FILE; nothing was created',
    ]);
    expect(await az.calls()).toEqual(['account show -o none']);
  });

  it('a missing --server-bundle file stops it', async () => {
    const { result, calls } = await deploy({}, ['--server-bundle', '/nonexistent/chatmsg-server.mjs']);
    expect(result.exitCode).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      'deploy: error: no server bundle at /nonexistent/chatmsg-server.mjs: run npm run bundle, or pass --server-bundle FILE; nothing was created',
    ]);
    expect(calls).toEqual(['account show -o none']);
  });

  it('a bundle over the custom data limit stops it before any resource exists (the README says it refuses)', async () => {
    const huge = join(await makeTempDir('chatmsg-huge-'), 'huge.mjs');
    await writeFile(huge, randomBytes(60_000).toString('hex'));
    const { result, calls, stderr } = await deploy({}, ['--server-bundle', huge]);
    expect(result.exitCode).toBe(1);
    expect(stderr).toMatch(/^render-cloud-init: error: the custom data is \d+ bytes, over Azure's limit of 65535 bytes: the server bundle is too big$/m);
    expect(errorLines(stderr).at(-1)).toBe('deploy: error: rendering the cloud-init custom data failed (see above); nothing was created');
    expect(creates(calls)).toEqual([]);
    expect(stderr).not.toMatch(/left behind/);
  });

  it('no public address found (no --ssh-source, the what-is-my-IP services unreachable)', async () => {
    const az = await azEnvironment({}, { commands: { curl: 'echo "curl: (6) Could not resolve host" >&2; exit 6' } });
    const result = await runScript('deploy.sh', ['--server-bundle', bundle], az.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toMatch(/^deploy: asking the Internet for your public address \(skip with --ssh-source\)$/m);
    expect(errorLines(result.stderr)).toEqual(['deploy: error: could not find your public IPv4 address: pass it with --ssh-source <ip>']);
    expect(await az.calls()).toEqual(['account show -o none']);
  });
});

describe.skipIf(fakeAz.skip)(fakeAz.title('the pre-flight: region policy, size, quota'), () => {
  it('default region not allowed: picks the first allowed region that offers the size, and says so', async () => {
    const world = defaultWorld();
    world.allowed_regions = ['germanywestcentral', 'swedencentral', 'northeurope'];
    world.skus.germanywestcentral!.Standard_B2ats_v2!.restriction = 'NotAvailableForSubscription';
    const { result, calls, stderr } = await deploy(world);
    expect(result.exitCode, stderr).toBe(0);
    expect(stderr).toMatch(
      /^deploy: region westeurope is not allowed by your subscription's policy \(allowed: germanywestcentral swedencentral northeurope\): using swedencentral, which offers Standard_B2ats_v2 \(choose with -l\)$/m,
    );
    expect(calls.find((call) => call.startsWith('group create'))).toContain('--location swedencentral');
    expect(calls.find((call) => call.startsWith('vm create'))).toContain('--location swedencentral');
  });

  it('-l <a region the policy refuses>: refused before anything is created, with the allowed ones', async () => {
    const { result, calls } = await deploy({ allowed_regions: ['swedencentral', 'northeurope'] }, ['-l', 'westeurope']);
    expect(result.exitCode).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      "deploy: error: region westeurope is not allowed by your subscription's policy (allowed: swedencentral northeurope): deploy with -l <one of them>",
    ]);
    expect(calls.at(-1)).toMatch(/^policy assignment list /);
  });

  it('no allowed region offers the size: refused, pointing at --size', async () => {
    const world = defaultWorld();
    world.allowed_regions = ['northeurope'];
    delete world.skus.northeurope!.Standard_B2ats_v2;
    const { result, calls } = await deploy(world);
    expect(result.exitCode).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      'deploy: error: none of the regions your subscription allows (northeurope) offers Standard_B2ats_v2 to you: deploy with --size <another size> (az vm list-skus -l <region> --size Standard_B --resource-type virtualMachines -o table)',
    ]);
    expect(creates(calls)).toEqual([]);
  });

  it('the size is not offered in the region', async () => {
    const world = defaultWorld();
    delete world.skus.westeurope!.Standard_B2ats_v2;
    const { result, calls } = await deploy(world);
    expect(result.exitCode).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      'deploy: error: size Standard_B2ats_v2 is not offered in westeurope: deploy with --size <another size> or -l <another region> (az vm list-skus -l westeurope --size Standard_B --resource-type virtualMachines -o table)',
    ]);
    expect(calls.at(-1)).toMatch(/^vm list-skus /);
  });

  it('the size is restricted for the subscription (NotAvailableForSubscription)', async () => {
    const world = defaultWorld();
    world.skus.westeurope!.Standard_B2ats_v2!.restriction = 'NotAvailableForSubscription';
    const { result, calls } = await deploy(world);
    expect(result.exitCode).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      'deploy: error: size Standard_B2ats_v2 is not available to your subscription in westeurope (NotAvailableForSubscription): deploy with --size <another size> or -l <another region>',
    ]);
    expect(calls.at(-1)).toMatch(/^vm list-skus /);
  });

  it.each([
    ['cores', 5, 6],
    ['standardBasv2Family', 4, 4],
  ])('not enough quota: %s uses %i of %i', async (name, used, limit) => {
    const world = defaultWorld();
    world.usage.westeurope![name] = [used, limit];
    const { result, calls } = await deploy(world);
    expect(result.exitCode).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      `deploy: error: not enough vCPU quota in westeurope: ${name} uses ${used} of ${limit} vCPUs and Standard_B2ats_v2 needs 2: delete a VM you no longer need (az vm list -o table), pick a smaller --size or deploy with -l <another region>`,
    ]);
    expect(calls.at(-1)).toMatch(/^vm list-usage /);
  });

  it('a VM that exists already counts in the quota: no size or quota check on a re-run', async () => {
    const world = defaultWorld();
    world.usage.westeurope!.cores = [6, 6];
    world.groups['chatmsg-lab'] = deployedGroup();
    const { result, calls, stderr } = await deploy(world);
    expect(result.exitCode, stderr).toBe(0);
    expect(calls.filter((call) => /^vm list-(skus|usage)/.test(call))).toEqual([]);
  });
});

describe.skipIf(fakeAz.skip)(fakeAz.title('Azure refuses after the checks passed (capacity, quota or policy changed)'), () => {
  it.each([
    ['SkuNotAvailable', /size Standard_B2ats_v2 has no capacity for your subscription in westeurope: deploy with --size <another size> or -l <another region> \(az vm list-skus -l westeurope --size Standard_B --resource-type virtualMachines -o table\)/],
    ['QuotaExceeded', /not enough vCPU quota for Standard_B2ats_v2 in westeurope: delete a VM you no longer need \(az vm list -o table\), pick a smaller --size or deploy with -l <another region>/],
    ['RequestDisallowedByAzure', /your subscription's policy does not allow region westeurope: deploy with -l <an allowed region> \(az policy assignment list, see infra\/README\.md, Allowed regions\)/],
  ])('az vm create: %s -> one line with the fix, and what is left behind', async (kind, hint) => {
    const { result, calls, stderr } = await deploy({ fail: { 'vm create': kind } });
    expect(result.exitCode).toBe(1);
    const [line] = errorLines(stderr);
    expect(line).toMatch(new RegExp(`^deploy: error: creating VM chatmsg-server \\(Standard_B2ats_v2 in westeurope\\) failed \\(${kind}\\): `));
    expect(line).toMatch(hint);
    // az's own message is shown too.
    expect(stderr).toContain(kind);
    expect(stderr).toMatch(/^deploy: left behind: resource group chatmsg-lab \(westeurope\) with NSG chatmsg-server-nsg, public IP chatmsg-server-ip: run deploy\.sh again once fixed, or delete it with infra\/azure\/destroy\.sh -g chatmsg-lab$/m);
    expect(calls.at(-1)).toMatch(/^vm create /);
  });

  it('group create refused by policy: nothing exists, nothing to report', async () => {
    const { result, calls, stderr } = await deploy({ fail: { 'group create': 'RequestDisallowedByAzure' } });
    expect(result.exitCode).toBe(1);
    expect(stderr).toContain("Resource 'chatmsg-lab' was disallowed by Azure: This policy maintains a set of best available regions");
    expect(errorLines(stderr)).toEqual([
      "deploy: error: creating resource group chatmsg-lab in westeurope failed (RequestDisallowedByAzure): your subscription's policy does not allow region westeurope: deploy with -l <an allowed region> (az policy assignment list, see infra/README.md, Allowed regions)",
    ]);
    expect(stderr).not.toMatch(/left behind/);
    expect(calls.at(-1)).toMatch(/^group create /);
  });

  it('an NSG of that name in another region (InvalidResourceLocation): run destroy.sh first', async () => {
    const { result, stderr } = await deploy({ fail: { 'network nsg create': 'InvalidResourceLocation' }, fail_existing_location: 'northeurope' });
    expect(result.exitCode).toBe(1);
    expect(stderr).toContain("already exists in location 'northeurope'");
    expect(errorLines(stderr)).toEqual([
      'deploy: error: creating NSG chatmsg-server-nsg failed (InvalidResourceLocation): a resource of that name exists in another region: run infra/azure/destroy.sh -g chatmsg-lab first, or use another -g',
    ]);
  });

  it('--cleanup-on-failure deletes the group this run created, and nothing runs after', async () => {
    const { result, calls, world, stderr } = await deploy({ fail: { 'vm create': 'SkuNotAvailable' } }, ['--cleanup-on-failure']);
    expect(result.exitCode).toBe(1);
    expect(stderr).toMatch(
      /^deploy: --cleanup-on-failure: deleting resource group chatmsg-lab, created by this run \(NSG chatmsg-server-nsg, public IP chatmsg-server-ip\)$/m,
    );
    expect(calls.slice(-2)).toEqual([expect.stringMatching(/^vm create /), 'group delete --name chatmsg-lab --yes --no-wait']);
    expect(world.groups).toEqual({});
  });

  it('--cleanup-on-failure that fails too says to run destroy.sh', async () => {
    const { result, calls, stderr } = await deploy(
      { fail: { 'vm create': 'SkuNotAvailable', 'group delete': 'AuthorizationFailed' } },
      ['--cleanup-on-failure'],
    );
    expect(result.exitCode).toBe(1);
    expect(stderr).toMatch(/^deploy: the cleanup failed too: run infra\/azure\/destroy\.sh -g chatmsg-lab$/m);
    expect(calls.at(-1)).toBe('group delete --name chatmsg-lab --yes --no-wait');
  });

  it('--cleanup-on-failure never deletes a group that existed before this run', async () => {
    const group = deployedGroup();
    group.vms = {};
    const { result, calls, world, stderr } = await deploy(
      { groups: { 'chatmsg-lab': group }, fail: { 'vm create': 'SkuNotAvailable' } },
      ['--cleanup-on-failure'],
    );
    expect(result.exitCode).toBe(1);
    expect(stderr).toMatch(/^deploy: resource group chatmsg-lab existed before this run and is kept: infra\/azure\/destroy\.sh -g chatmsg-lab deletes it$/m);
    expect(calls.some((call) => call.startsWith('group delete'))).toBe(false);
    expect(world.groups['chatmsg-lab']).toBeDefined();
  });

  it('openssl fails while making the certificate (--secure): stops, says what exists', async () => {
    const tlsDir = join(await makeTempDir('chatmsg-tls-'), 'tls');
    const { result, calls, stderr } = await deploy({}, ['--secure', '--tls-dir', tlsDir], { openssl: 'echo "openssl: broken" >&2; exit 1' });
    expect(result.exitCode).toBe(1);
    expect(errorLines(stderr)).toEqual(['deploy: error: scripts/make-lab-ca.sh failed (see above): is openssl installed?']);
    expect(stderr).toMatch(LEFT_BEHIND);
    expect(calls.at(-1)).toMatch(/^network public-ip list /);
  });
});

// Each az call deploy.sh makes, made to fail: the line names the step; no az call follows it.
describe.skipIf(fakeAz.skip)(fakeAz.title('every az call can fail'), () => {
  const fresh: [string, string][] = [
    ['group exists', 'checking resource group chatmsg-lab'],
    ['policy assignment list', "reading your subscription's allowed regions (az policy assignment list)"],
    ['vm list-skus', 'listing the sizes of region westeurope (az vm list-skus)'],
    ['vm list-usage', 'reading your vCPU quota in westeurope (az vm list-usage)'],
    ['group create', 'creating resource group chatmsg-lab in westeurope'],
    ['network nsg list', 'looking for NSG chatmsg-server-nsg'],
    ['network nsg create', 'creating NSG chatmsg-server-nsg'],
    ['network nsg rule', `opening port ${'PORT'} (NSG rule allow-chatmsg)`],
    ['network nsg rule@2', `opening SSH to ${TEST_SSH_SOURCE} (NSG rule allow-ssh-from-caller)`],
    ['network public-ip list', 'reading public IP chatmsg-server-ip'],
    ['network public-ip create', 'creating public IP chatmsg-server-ip (DNS name '],
    ['vm create', 'creating VM chatmsg-server (Standard_B2ats_v2 in westeurope)'],
    ['vm auto-shutdown', 'setting the daily auto-shutdown of VM chatmsg-server'],
  ];
  it.each(fresh)('first deploy: %s', async (failing, what) => {
    const [command, nth] = failing.split('@') as [string, string | undefined];
    const { result, calls, stderr } = await deploy({ fail: { [command]: `AuthorizationFailed${nth ? `@${nth}` : ''}` } });
    expect(result.exitCode).toBe(1);
    expect(stderr).toContain('does not have authorization to perform action');
    const lines = errorLines(stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`deploy: error: ${what.replace('PORT', String(server.port))}`);
    expect(lines[0]).toMatch(new RegExp(` failed \\(AuthorizationFailed\\): ${AUTHORIZATION_HINT.replace(/[()<>]/g, '\\$&')}$`));
    expect(calls.at(-1)!.startsWith(command), `the last az call is the failed one:\n${calls.join('\n')}`).toBe(true);
    const groupCreated = calls.some((call) => call.startsWith('group create ')) && command !== 'group create';
    expect(LEFT_BEHIND.test(stderr)).toBe(groupCreated);
  });

  const rerun: [string, string][] = [
    ['group show', 'reading resource group chatmsg-lab'],
    ['vm list', 'looking for VM chatmsg-server'],
    ['vm get-instance-view', 'reading the power state of VM chatmsg-server'],
    ['vm start', 'starting VM chatmsg-server'],
    ['vm run-command invoke', 're-provisioning VM chatmsg-server (az vm run-command invoke)'],
    ['vm update', 'tagging VM chatmsg-server with its new settings'],
  ];
  it.each(rerun)('re-run on a deallocated VM with older settings: %s', async (command, what) => {
    const group = deployedGroup({ power: 'deallocated', tags: { chatmsg_port: String(server.port), chatmsg_config: 'older' } });
    const { result, calls, stderr } = await deploy({ groups: { 'chatmsg-lab': group }, fail: { [command]: 'AuthorizationFailed' } });
    expect(result.exitCode).toBe(1);
    const lines = errorLines(stderr);
    expect(lines).toEqual([`deploy: error: ${what} failed (AuthorizationFailed): ${AUTHORIZATION_HINT}`]);
    expect(calls.at(-1)!.startsWith(command)).toBe(true);
    expect(stderr).toMatch(/^deploy: resource group chatmsg-lab existed before this run and is kept/m);
  });
});
