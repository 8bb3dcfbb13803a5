import { execa } from 'execa';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeCompose, findCompose } from '../../src/lab/compose-command.js';
import { parseComposeVersion } from '../../src/lab/compose-version.js';
import { checkCompose } from '../../src/lab/doctor-checks.js';
import { requireTool } from '../helpers/tools.js';

/** `version` outputs as the tools print them (stdout, whole). */
const OUTPUTS = {
  // Debian 12's docker-compose package (the one on the lab machines).
  v1Debian: 'docker-compose version 1.29.2, build unknown\ndocker-py version: 5.0.3\nCPython version: 3.11.2\nOpenSSL version: OpenSSL 3.0.19 27 Jan 2026\n',
  // The last release binary of v1, from GitHub.
  v1Release: 'docker-compose version 1.29.2, build 5becea4c\ndocker-py version: 5.0.0\nCPython version: 3.7.10\nOpenSSL version: OpenSSL 1.1.0l  10 Sep 2019\n',
  v2Plugin: 'Docker Compose version v2.29.1\n',
  v2Desktop: 'Docker Compose version v2.29.2-desktop.2\n',
  // Ubuntu's docker-compose-v2 package: no leading v, the package version appended.
  v2Ubuntu: 'Docker Compose version 2.24.6+ds1-0ubuntu1~22.04.1\n',
  v5: 'Docker Compose version v5.0.0\n',
} as const;

describe('parseComposeVersion', () => {
  it.each([
    ['v1Debian', '1.29.2', 1],
    ['v1Release', '1.29.2', 1],
    ['v2Plugin', '2.29.1', 2],
    ['v2Desktop', '2.29.2-desktop.2', 2],
    ['v2Ubuntu', '2.24.6+ds1-0ubuntu1~22.04.1', 2],
    ['v5', '5.0.0', 5],
  ] as const)('%s -> %s, major %d', (name, version, major) => {
    expect(parseComposeVersion(OUTPUTS[name])).toEqual({ version, major });
  });

  it('finds no version where none is printed, or where a line names another tool', () => {
    expect(parseComposeVersion('')).toBeUndefined();
    expect(parseComposeVersion("docker: 'compose' is not a docker command.\n")).toBeUndefined();
    expect(parseComposeVersion('docker-py version: 5.0.3\nCPython version: 3.11.2\n')).toBeUndefined();
    expect(parseComposeVersion('Docker Compose version dev\n')).toBeUndefined();
  });
});

describe('the doctor names the Compose it found by its own version string', () => {
  const found = (install: 'plugin' | 'standalone', output: string) => {
    const version = parseComposeVersion(output)!;
    return install === 'plugin'
      ? { file: 'docker', prefix: ['compose'], install, ...version }
      : { file: 'docker-compose', prefix: [], install, ...version };
  };

  it.each([
    ['standalone', OUTPUTS.v1Debian, 'docker-compose 1.29.2 (Compose v1, standalone); the lab is tested end to end with it'],
    ['standalone', OUTPUTS.v2Plugin, 'docker-compose 2.29.1 (Compose v2, standalone); the lab\'s compose files are checked for it'],
    ['plugin', OUTPUTS.v2Desktop, 'docker compose 2.29.2-desktop.2 (Compose v2, plugin); the lab\'s compose files are checked for it'],
    ['plugin', OUTPUTS.v5, 'docker compose 5.0.0 (Compose v5, plugin); the lab\'s compose files are checked for it'],
  ] as const)('%s %j', (install, output, detail) => {
    const result = checkCompose(found(install, output));
    expect(result.status).toBe('ok');
    expect(result.detail.startsWith(detail), result.detail).toBe(true);
  });

  it('fails with what to install when none answers', () => {
    expect(checkCompose(undefined)).toMatchObject({ status: 'FAIL', detail: expect.stringContaining('apt-get install docker-compose') });
  });
});

describe('findCompose asks the tools on PATH', () => {
  const savedPath = process.env['PATH'];
  let dir: string | undefined;
  afterEach(async () => {
    process.env['PATH'] = savedPath;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A PATH with only these scripts: `docker` and `docker-compose` printing what a given Compose prints. */
  async function pathWith(scripts: Record<string, string>): Promise<void> {
    dir = await mkdtemp(join(tmpdir(), 'compose-path-'));
    for (const [name, body] of Object.entries(scripts)) {
      await writeFile(join(dir, name), `#!/bin/sh\n${body}\n`);
      await chmod(join(dir, name), 0o755);
    }
    process.env['PATH'] = dir;
  }
  const printing = (args: string, output: string) => `[ "$*" = "${args}" ] && { printf '%s' '${output}'; exit 0; }; exit 1`;

  it('a v5 plugin is the plugin, v5', async () => {
    await pathWith({ docker: printing('compose version', OUTPUTS.v5), 'docker-compose': printing('version', OUTPUTS.v1Debian) });
    expect(await findCompose()).toEqual({ file: 'docker', prefix: ['compose'], install: 'plugin', version: '5.0.0', major: 5 });
  });

  it('a v2 installed as docker-compose is standalone v2, not v1', async () => {
    await pathWith({ docker: 'exit 1', 'docker-compose': printing('version', OUTPUTS.v2Plugin) });
    const compose = await findCompose();
    expect(compose && describeCompose(compose)).toBe('docker-compose 2.29.1 (Compose v2, standalone)');
  });
});

const v1 = await requireTool('docker-compose-v1');

describe.skipIf(v1.skip)(v1.title('the docker-compose 1.x installed here'), () => {
  it('is named by what it prints', async () => {
    const installed = await execa('docker-compose', ['version']);
    const expected = parseComposeVersion(String(installed.stdout));
    expect(expected).toBeDefined();
    const plugin = await execa('docker', ['compose', 'version'], { reject: false });
    // Where the plugin is also installed, findCompose prefers it; here only the standalone answers.
    if (plugin.exitCode !== 0) expect(await findCompose()).toEqual({ file: 'docker-compose', prefix: [], install: 'standalone', ...expected });
  });
});
