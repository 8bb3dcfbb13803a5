/**
 * The compose files keep the invariants that make the lab build and start the same under Compose
 * v1 and v2 (issue 17): one service builds each image, no locally built image is ever pulled. Read
 * with the `yaml` package for every file set a run or the docs use; cross-checked with
 * docker-compose 1.29's own `config` when it is installed (it validates against its schema).
 */
import { execa } from 'execa';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { LAB_FILES, labFiles } from '../../src/lab/compose-run.js';
import { requireTool } from '../helpers/tools.js';
import { composeInvariantProblems, composeModel, mergeYaml, readComposeFiles, type ComposeModel } from './compose-model.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every file set `npm run compose` can use: base, + wan, + remote, + both. */
const RUN_FILE_SETS = [false, true].flatMap((wan) => [false, true].map((remote) => labFiles({ wan, remote })));

/** The file sets the docs show as plain Compose commands (`docker compose [-f ...] up`). */
async function documentedFileSets(): Promise<string[][]> {
  const pages = ['README.md', ...(await readdir(join(ROOT, 'docs'))).filter((name) => name.endsWith('.md')).map((name) => join('docs', name))];
  const sets = new Map<string, string[]>();
  for (const page of pages) {
    const text = await readFile(join(ROOT, page), 'utf8');
    for (const [, flags = ''] of text.matchAll(/docker[ -]compose((?: -f \S+)*) up\b/g)) {
      const files = [...flags.matchAll(/-f (\S+)/g)].map((match) => match[1]!);
      const set = files.length > 0 ? files : [LAB_FILES.base];
      sets.set(set.join(' '), set);
    }
  }
  return [...sets.values()];
}

const modelOf = async (files: readonly string[]) => composeModel(await readComposeFiles(ROOT, files));

describe('compose files: one builder per image, nothing built here is pulled', () => {
  it('the docs show the base file, base + wan and base + remote, and a run uses only those and wan + remote', async () => {
    const documented = await documentedFileSets();
    expect(documented).toContainEqual([LAB_FILES.base]);
    expect(documented).toContainEqual([LAB_FILES.base, LAB_FILES.wan]);
    expect(documented).toContainEqual([LAB_FILES.base, LAB_FILES.remote]);
    for (const set of documented) expect(RUN_FILE_SETS, `documented file set ${set.join(' + ')}`).toContainEqual(set);
  });

  it.each(RUN_FILE_SETS.map((files) => [files.join(' + '), files] as const))('%s keeps every invariant', async (_, files) => {
    const model = await modelOf(files);
    expect(composeInvariantProblems(model)).toEqual([]);
    // What the invariants mean here: lab-image and capture build, everything else uses lab-image's image.
    const builders = Object.entries(model).filter(([, service]) => service.build).map(([name]) => name);
    expect(builders.sort()).toEqual(['capture', 'lab-image']);
    for (const name of ['client1', 'client2', 'client3', 'client4', 'client5', 'runner', 'server']) {
      expect(model[name], name).toMatchObject({ image: 'chatmsg-lab:latest', pullPolicy: 'never' });
      expect(model[name]!.build, name).toBeUndefined();
    }
  });

  it('the remote file set still builds the lab image although its server is switched off', async () => {
    const model = await modelOf(labFiles({ wan: false, remote: true }));
    expect(model['server']!.profiles).toEqual(['local-server']);
    expect(model['lab-image']!.profiles).toEqual([]);
  });

  describe('the checks find each way a file can break the rule', () => {
    const broken = async (change: (model: ComposeModel) => void) => {
      const model = structuredClone(await modelOf([LAB_FILES.base]));
      change(model);
      return composeInvariantProblems(model);
    };

    it('two services building one tag (what fails under v2 on a fresh machine)', async () => {
      const problems = await broken((model) => (model['client1']!.build = { target: 'runtime' }));
      expect(problems).toContain('chatmsg-lab:latest: built by 2 services (lab-image, client1), must be one');
    });

    it('a service that would pull the lab image, or not wait for its build under v1', async () => {
      expect(await broken((model) => delete model['client3']!.pullPolicy)).toEqual([
        'client3: uses chatmsg-lab:latest (built by lab-image) but its pull_policy is unset, not never',
      ]);
      expect(await broken((model) => (model['runner']!.dependsOn = ['capture']))).toEqual([
        'runner: uses chatmsg-lab:latest but does not depend on lab-image, which builds it',
      ]);
    });

    it('a builder that is pulled first, or switched off by a profile', async () => {
      expect(await broken((model) => (model['capture']!.pullPolicy = 'if_not_present'))).toEqual([
        'capture: builds chatmsg-lab-capture:latest but its pull_policy is if_not_present, not build',
      ]);
      expect(await broken((model) => (model['lab-image']!.profiles = ['build']))).toEqual([
        'lab-image: builds chatmsg-lab:latest but runs only with profile build',
      ]);
    });

    it('an image nobody builds, a service without an image name or on the default network, a pull_policy v1 refuses', async () => {
      expect(await broken((model) => (model['client5']!.image = 'chatmsg-lab:lates'))).toEqual([
        'client5: image chatmsg-lab:lates is built by no service (it would be pulled)',
      ]);
      expect(await broken((model) => delete model['capture']!.image)).toEqual([
        'capture: no image name (Compose would make one up per service)',
      ]);
      expect(await broken((model) => (model['lab-image']!.choosesNetwork = false))).toEqual([
        "lab-image: on Compose's default network (its address range may overlap the lab's)",
      ]);
      expect(await broken((model) => (model['client2']!.pullPolicy = 'missing'))).toEqual([
        'client2: pull_policy missing is not accepted by both docker-compose 1.29 and v2',
        'client2: uses chatmsg-lab:latest (built by lab-image) but its pull_policy is missing, not never',
      ]);
    });
  });

  it('merges like Compose: maps key by key, lists appended, command replaced', () => {
    const base = { services: { a: { image: 'x', cap_add: ['A'], command: ['one'], environment: { K: '1' } } } };
    const override = { services: { a: { cap_add: ['B', 'A'], command: ['two'], environment: { L: '2' } }, b: { image: 'y' } } };
    expect(mergeYaml(base, override)).toEqual({
      services: { a: { image: 'x', cap_add: ['A', 'B'], command: ['two'], environment: { K: '1', L: '2' } }, b: { image: 'y' } },
    });
  });
});

const v1 = await requireTool('docker-compose-v1');

describe.skipIf(v1.skip)(v1.title('docker-compose 1.x reads the files the same way'), () => {
  it.each(RUN_FILE_SETS.map((files) => [files.join(' + '), files] as const))('%s: accepted, and the same model as ours', async (_, files) => {
    const config = await execa('docker-compose', ['-p', 'chatmsg-lab', ...files.flatMap((file) => ['-f', file]), 'config'], {
      cwd: ROOT,
      reject: false,
      // The remote file requires SERVER_HOST; nothing is contacted by `config`.
      env: { SERVER_HOST: 'remote.invalid' },
    });
    expect(config.exitCode, String(config.stderr)).toBe(0);
    // v1 validates pull_policy against its schema, then drops it (it never pulls an image a service builds).
    const withoutPullPolicy = (model: ComposeModel) =>
      Object.fromEntries(Object.entries(model).map(([name, { pullPolicy: _, ...service }]) => [name, { ...service, dependsOn: service.dependsOn.toSorted() }]));
    expect(withoutPullPolicy(composeModel(parse(String(config.stdout))))).toEqual(withoutPullPolicy(await modelOf(files)));
  });

  it("refuses the spec's pull_policy `missing` (why the files use only values both accept)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'compose-v1-'));
    try {
      await writeFile(join(dir, 'docker-compose.yml'), 'services:\n  a:\n    image: a:latest\n    pull_policy: missing\n');
      const config = await execa('docker-compose', ['config', '-q'], { cwd: dir, reject: false });
      expect(config.exitCode).not.toBe(0);
      expect(config.stderr).toContain('pull_policy');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
