import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScenarioNotFoundError } from '../../src/scenario/catalog.js';
import { runWithEvidence, ScenarioRunError, type EvidenceRunOptions } from '../../src/scenario/evidence-run.js';
import { ScenarioSyntaxError } from '../../src/scenario/parser.js';
import { runScenario } from '../../src/scenario/runner.js';
import { FakeLauncher } from './fake-launcher.js';

// The sequence both scenario CLIs share, with fake clients: what it prints, writes and returns.

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const SERVER = { host: '127.0.0.1', port: 7000 };

let out: string;
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'chatmsg-evidence-run-'));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

/** Answers LOGIN and LIST as a server would, and MSG to an unknown id with ERR 404. */
const launcher = () =>
  new FakeLauncher({
    replies: (from, line) => {
      const [verb, arg] = line.split(' ');
      if (verb === 'LOGIN') return [[from, `OK LOGIN ${arg}`]];
      if (verb === 'MSG') return [[from, `ERR 404 no such client: ${arg}`]];
      return [[from, 'OK LIST 1 alice']];
    },
  });

function setUp(scenario: string, overrides: Partial<EvidenceRunOptions> = {}) {
  const said: string[] = [];
  const calls: string[] = [];
  const options: EvidenceRunOptions = {
    scenario,
    outDir: out,
    say: (line) => said.push(line),
    execute: async (loaded, hooks) => {
      calls.push(`execute ${loaded.name}`);
      const run = await runScenario(loaded, { launcher: launcher(), server: SERVER, onStep: hooks.onStep, onInfo: hooks.onInfo });
      return { run, extras: { serverLog: 'the server log\n', serverCommand: 'fake-server' } };
    },
    onAbandon: async () => {
      calls.push('abandon');
    },
    ...overrides,
  };
  return { said, calls, go: () => runWithEvidence(options) };
}

describe('runWithEvidence', () => {
  it('loads, makes the folder, runs, writes the evidence and prints the verdict', async () => {
    const { said, calls, go } = setUp(join(FIXTURES, 'broken.scenario'));
    const outcome = await go();
    expect(outcome.passed).toBe(false);
    expect(calls).toEqual(['execute broken']);
    expect(outcome.evidenceDir).toMatch(new RegExp(`^${out}/broken-\\d{8}T\\d{6}Z$`));
    expect(said[0]).toBe('scenario broken: a broken scenario (test fixture): expects OK where the server says ERR 404');
    expect(said).toContain('  .. ending the clients');
    expect(said.some((line) => /^ {2}FAIL +[\d.]+ ms {2}.*broken\.scenario:8 {2}alice< OK MSG robert\n/.test(line))).toBe(true);
    expect(said.at(-1)).toMatch(/^FAIL broken: \d+\/\d+ steps passed in [\d.]+ s\n/);
    expect(said.at(-1)).toContain(`evidence: ${outcome.evidenceDir}/ (summary.md, result.json, transcripts, server.log)`);
    expect((await readdir(outcome.evidenceDir!)).sort()).toEqual(['client-alice.log', 'client-bob.log', 'result.json', 'server.log', 'summary.md']);
    expect(await readFile(join(outcome.evidenceDir!, 'server.log'), 'utf8')).toBe('the server log\n');
    const result = JSON.parse(await readFile(join(outcome.evidenceDir!, 'result.json'), 'utf8'));
    expect(result.failure).toMatchObject({ expected: 'OK MSG robert', got: 'ERR 404 no such client: robert' });
  });

  it('a passing run returns passed, and a second run of the same second gets its own folder', async () => {
    await writeFile(join(out, 'mini.scenario'), 'description: mini\nclients: alice\nalice> LOGIN alice\nalice< OK LOGIN alice\n');
    const first = await setUp(join(out, 'mini.scenario')).go();
    const second = await setUp(join(out, 'mini.scenario')).go();
    expect(first.passed).toBe(true);
    expect(second.passed).toBe(true);
    expect(second.evidenceDir).not.toBe(first.evidenceDir);
  });

  it('a scenario that does not load throws before anything runs, and releases what waits', async () => {
    const missing = setUp('no-such-scenario-anywhere');
    await expect(missing.go()).rejects.toBeInstanceOf(ScenarioNotFoundError);
    expect(missing.calls).toEqual(['abandon']);
    expect(missing.said).toEqual([]);
    const bad = setUp(join(FIXTURES, 'bad-syntax.scenario'));
    await expect(bad.go()).rejects.toBeInstanceOf(ScenarioSyntaxError);
    expect(bad.calls).toEqual(['abandon']);
    expect(await readdir(out)).toEqual([]);
  });

  it('a folder that cannot be made is a FAIL line; nothing runs and what waits is released', async () => {
    const file = join(out, 'not-a-folder');
    await writeFile(file, '');
    const { said, calls, go } = setUp(join(FIXTURES, 'broken.scenario'), { outDir: file });
    expect(await go()).toEqual({ passed: false });
    expect(calls).toEqual(['abandon']);
    expect(said.at(-1)).toMatch(/^FAIL broken: cannot write the evidence folder: EEXIST/);
  });

  it('a run that throws becomes ScenarioRunError naming the scenario, with the error as its cause', async () => {
    const boom = new Error('no agent answered');
    const { calls, go } = setUp(join(FIXTURES, 'broken.scenario'), {
      execute: async () => {
        throw boom;
      },
    });
    const error: unknown = await go().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ScenarioRunError);
    expect(error).toMatchObject({ scenario: 'broken', message: 'no agent answered', cause: boom });
    // execute owns what it started: abandon is for runs that never started.
    expect(calls).toEqual([]);
  });

  it('evidence that cannot be written is a FAIL line, not a verdict', async () => {
    const { said, go } = setUp(join(FIXTURES, 'broken.scenario'), {
      execute: async (loaded, hooks) => {
        const run = await runScenario(loaded, { launcher: launcher(), server: SERVER });
        // The folder is gone and a file is in its place.
        await rm(hooks.evidenceDir, { recursive: true });
        await writeFile(hooks.evidenceDir, '');
        return { run, extras: {} };
      },
    });
    const outcome = await go();
    expect(outcome.passed).toBe(false);
    expect(said.at(-1)).toMatch(new RegExp(`^FAIL broken: cannot write the evidence into ${outcome.evidenceDir}: ENOTDIR`));
  });
});
