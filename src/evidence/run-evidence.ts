import { mkdir } from 'node:fs/promises';
import { putStep, writeIndex, type EvidenceIndex, type EvidenceStep } from './evidence-index.js';
import { EVIDENCE_STEPS, type EvidenceContext, type EvidenceStepDefinition } from './steps.js';

/** `evidence-20261202T101503Z`: the UTC time of the run. */
export const evidenceFolderName = (date: Date): string => `evidence-${date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}`;

const seconds = (since: number) => Math.round((Date.now() - since) / 1000);

/**
 * Runs every step that can run here, one after another, and keeps index.json up to date after
 * each, so whatever stops the run (Ctrl-C, a crash, a closed laptop) leaves a folder the report
 * can read. A step that cannot run here is listed as missing with the command that makes it.
 */
export async function runEvidence(context: EvidenceContext, steps: EvidenceStepDefinition[] = EVIDENCE_STEPS): Promise<EvidenceIndex> {
  await mkdir(context.folder, { recursive: true });
  const now = new Date().toISOString();
  const index: EvidenceIndex = { version: 1, createdAt: now, updatedAt: now, steps: [] };
  const started = Date.now();
  for (const [i, definition] of steps.entries()) {
    const base = { id: definition.id, section: definition.section, title: definition.title, command: definition.command(context) };
    const prefix = `[${i + 1}/${steps.length}] ${definition.title}`;
    if (context.signal.aborted) {
      putStep(index, { ...base, status: 'interrupted', reason: 'not started: the run was interrupted' });
      await writeIndex(context.folder, index);
      continue;
    }
    const unavailable = await definition.unavailable(context);
    if (unavailable !== undefined) {
      context.log(`${prefix}: MISSING, ${unavailable}; make it with: ${base.command}`);
      putStep(index, { ...base, status: 'missing', reason: unavailable });
      await writeIndex(context.folder, index);
      continue;
    }
    const stepStart = Date.now();
    context.log(`${prefix} ... (${seconds(started)} s into the run)`);
    const ticker = setInterval(() => context.log(`${prefix}: still running, ${seconds(stepStart)} s`), 15_000);
    let step: EvidenceStep;
    try {
      step = { ...base, ...(await definition.run(context)) };
    } catch (error) {
      const interrupted = context.signal.aborted;
      step = { ...base, status: interrupted ? 'interrupted' : 'failed', reason: interrupted ? 'interrupted (Ctrl-C)' : (error as Error).message };
    } finally {
      clearInterval(ticker);
    }
    step.startedAt = new Date(stepStart).toISOString();
    step.seconds = seconds(stepStart);
    putStep(index, step);
    await writeIndex(context.folder, index);
    context.log(`${prefix}: ${step.status.toUpperCase()} in ${step.seconds} s${step.reason ? ` (${step.reason})` : ''}`);
  }
  return index;
}
