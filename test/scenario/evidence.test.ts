import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientSession } from '../../src/scenario/client-session.js';
import { createEvidenceDir, evidenceDirName, summaryMarkdown } from '../../src/scenario/evidence.js';
import type { ScenarioResult } from '../../src/scenario/result.js';

let parent: string | undefined;
afterEach(async () => {
  if (parent) await rm(parent, { recursive: true, force: true });
  parent = undefined;
});

describe('evidence folder', () => {
  it('is named after the scenario and the UTC second of the run', () => {
    expect(evidenceDirName('basic', new Date(Date.UTC(2026, 10, 25, 9, 5, 3, 999)))).toBe('basic-20261125T090503Z');
  });

  it('never reuses the folder of a run in the same second', async () => {
    parent = await mkdtemp(join(tmpdir(), 'chatmsg-evidence-'));
    const when = new Date(Date.UTC(2026, 0, 1));
    const names = [];
    for (let i = 0; i < 3; i++) names.push(basename(await createEvidenceDir(join(parent, 'captures'), 'x', when)));
    expect(names).toEqual(['x-20260101T000000Z', 'x-20260101T000000Z-2', 'x-20260101T000000Z-3']);
  });
});

describe('summary.md', () => {
  it('shows the verdict, the failure and every step, with table cells kept intact', () => {
    const failed = {
      index: 2, kind: 'expect', where: 'f.scenario:5', source: 'alice< ~ OK LIST 2 (a b|b a)', client: 'alice',
      status: 'fail', startMs: 3, durationMs: 1, expected: '~ OK LIST 2 (a b|b a)', got: 'OK LIST 1 a',
    } as const;
    const result: ScenarioResult = {
      scenario: 's', description: 'd', file: 'f.scenario', server: '127.0.0.1:1', clientsRun: 'local', startedAt: '2026-01-01T00:00:00.000Z',
      durationMs: 10, passed: false, failure: failed,
      steps: [{ index: 1, kind: 'send', where: 'f.scenario:4', source: 'alice> LIST', client: 'alice', status: 'pass', startMs: 1, durationMs: 1 }, failed],
      clients: { alice: { exit: { code: 0, signal: null, stderr: '' }, sent: 1, received: 2, unchecked: [] } },
    };
    const md = summaryMarkdown(result, [new ClientSession('alice')], {});
    expect(md).toMatch(/^# Scenario `s`: FAIL\n/);
    expect(md).toContain('FAIL at f.scenario:5: alice< ~ OK LIST 2 (a b|b a)\n  client:   alice\n  expected: ~ OK LIST 2 (a b|b a)\n  got:      OK LIST 1 a');
    expect(md).toContain('| 2 | f.scenario:5 | `alice< ~ OK LIST 2 (a b\\|b a)` | fail | 1 | expected ~ OK LIST 2 (a b\\|b a); got OK LIST 1 a |');
    expect(md).toContain('| alice | 0 | 1 | 2 | - |');
  });
});
