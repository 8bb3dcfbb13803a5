import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The report sections evidence is made for (the assignment's numbering). */
export const EVIDENCE_SECTIONS = ['2.2', '2.3', '2.4', '2.5', '2.7'] as const;
export type EvidenceSection = (typeof EVIDENCE_SECTIONS)[number];

export type EvidenceStatus = 'passed' | 'failed' | 'missing' | 'interrupted';

/** One piece of evidence: what made it, what it is, where its files are (relative to the folder). */
export interface EvidenceStep {
  id: string;
  section: EvidenceSection;
  title: string;
  status: EvidenceStatus;
  /** Why it is missing, failed or was interrupted. */
  reason?: string;
  /** The one command that makes it (for a missing step), or that made it. */
  command: string;
  /** A scenario run's folder (result.json, summary.md, transcripts). */
  runDir?: string;
  /** The capture, and the server port the dissector should use on it. */
  capture?: string;
  port?: number;
  /** The TLS key log that decrypts the capture. */
  keylog?: string;
  /** The scenario used (a name from scenarios/, or a file copied into the folder). */
  scenario?: string;
  /** Traffic went through WAN emulation or to a remote server: RTT and retransmissions matter. */
  network?: 'loopback' | 'lab' | 'wan' | 'remote' | 'elsewhere';
  startedAt?: string;
  seconds?: number;
}

export interface EvidenceIndex {
  version: 1;
  createdAt: string;
  updatedAt: string;
  steps: EvidenceStep[];
}

export const INDEX_FILE = 'index.json';

export async function readIndex(folder: string): Promise<EvidenceIndex> {
  let text: string;
  try {
    text = await readFile(join(folder, INDEX_FILE), 'utf8');
  } catch {
    throw new Error(`${folder} is not an evidence folder: no ${INDEX_FILE} (make one with npm run evidence)`);
  }
  const index = JSON.parse(text) as EvidenceIndex;
  if (index.version !== 1 || !Array.isArray(index.steps)) throw new Error(`${join(folder, INDEX_FILE)}: not an evidence index of version 1`);
  return index;
}

/** Writes the index atomically, so an interrupted run never leaves half a file. */
export async function writeIndex(folder: string, index: EvidenceIndex): Promise<void> {
  const path = join(folder, INDEX_FILE);
  const next = { ...index, updatedAt: new Date().toISOString() };
  await writeFile(`${path}.tmp`, `${JSON.stringify(next, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}

/** Replaces the step with the same id, or adds it. */
export function putStep(index: EvidenceIndex, step: EvidenceStep): void {
  const at = index.steps.findIndex((s) => s.id === step.id);
  if (at === -1) index.steps.push(step);
  else index.steps[at] = step;
}
