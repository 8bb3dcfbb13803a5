/**
 * The lab's wait for its runner container, against a real Docker engine: `docker wait` returns
 * 0 at once for a container that compose created but has not started yet, so the lab first
 * waits for it to start (src/lab/compose-run.ts).
 */
import { execa } from 'execa';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveBaseImages } from '../../src/lab/base-images.js';
import { runnerExit, waitForStart } from '../../src/lab/compose-run.js';
import { requireTool } from '../helpers/tools.js';

const docker = await requireTool('docker');
const created: string[] = [];

afterAll(async () => {
  if (created.length > 0) await execa('docker', ['rm', '-f', ...created], { reject: false });
});

async function createExiting(code: number): Promise<string> {
  const { DEBIAN_IMAGE } = await resolveBaseImages(process.env);
  const id = String((await execa('docker', ['create', DEBIAN_IMAGE!, 'sh', '-c', `exit ${code}`])).stdout).trim();
  created.push(id);
  return id;
}

describe.skipIf(docker.skip)(docker.title('waiting for the lab runner (real Docker)'), () => {
  it('docker wait alone reads a created, never started container as exit 0: the trap this guards against', async () => {
    const id = await createExiting(3);
    expect(runnerExit(await execa('docker', ['wait', id], { reject: false }))).toBe(0);
  });

  it('waits while the container is only created, and goes on once it started; its exit code is then the real one', async () => {
    const id = await createExiting(3);
    const waiting = waitForStart(id, { deadline: Date.now() + 20_000, gaveUp: () => false });
    let settled = false;
    void waiting.then(() => (settled = true));
    await sleep(1000);
    expect(settled).toBe(false);
    await execa('docker', ['start', id]);
    expect(await waiting).toBe('started');
    expect(runnerExit(await execa('docker', ['wait', id], { reject: false }))).toBe(3);
  });

  it('gives up on a container that never starts: when compose ended, at the deadline, or when aborted', async () => {
    const id = await createExiting(0);
    expect(await waitForStart(id, { deadline: Date.now() + 20_000, gaveUp: () => true })).toBe('never');
    expect(await waitForStart(id, { deadline: Date.now() + 300, gaveUp: () => false })).toBe('never');
    expect(await waitForStart(id, { deadline: Date.now() + 20_000, signal: AbortSignal.abort(), gaveUp: () => false })).toBe('aborted');
  });
});
