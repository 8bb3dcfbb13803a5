import { execa } from 'execa';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/tools.js';
import { AZURE_DIR, FAKE_AZ } from './azure-helpers.js';

const shellcheck = await requireTool('shellcheck');

// Every shell script of the Azure deployment, the provisioning script the VM runs included.
const scripts = (await readdir(AZURE_DIR)).filter((name) => name.endsWith('.sh')).map((name) => join(AZURE_DIR, name));

describe('shellcheck', () => {
  it('finds the scripts', () => {
    expect(scripts.map((path) => path.slice(AZURE_DIR.length + 1)).sort()).toEqual(
      ['deploy.sh', 'destroy.sh', 'lib.sh', 'provision.sh', 'render-cloud-init.sh', 'status.sh'],
    );
  });

  it.skipIf(shellcheck.skip).each([...scripts, FAKE_AZ])(shellcheck.title('%s passes'), async (script) => {
    // -x follows `source lib.sh`; the scripts name its directory with source-path=SCRIPTDIR.
    const result = await execa('shellcheck', ['-x', '--severity=style', script], { reject: false });
    expect(result.exitCode, result.stdout).toBe(0);
  });
});
