import { copyFile, mkdir, open } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { EVIDENCE_SECTIONS, putStep, readIndex, writeIndex, type EvidenceIndex, type EvidenceSection, type EvidenceStep } from './evidence-index.js';

/** A capture from elsewhere that cannot be added; the message says why and what to do. */
export class AddCaptureError extends Error {
  override name = 'AddCaptureError';
}

/** File magic numbers of the formats tshark reads that a capture tool writes. */
const MAGIC: Record<string, string> = {
  a1b2c3d4: 'pcap', d4c3b2a1: 'pcap', a1b23c4d: 'pcap (ns)', '4d3cb2a1': 'pcap (ns)', '0a0d0d0a': 'pcapng',
};

/** pcap or pcapng, by the first four bytes; undefined for anything else. */
export async function captureFormat(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r').catch(() => {
    throw new AddCaptureError(`cannot read ${file}: no such file or no permission`);
  });
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 ? MAGIC[buffer.toString('hex')] : undefined;
  } finally {
    await handle.close();
  }
}

export const isEvidenceSection = (text: string): text is EvidenceSection => (EVIDENCE_SECTIONS as readonly string[]).includes(text);

export interface AddCaptureOptions {
  /** The chat server's port in the capture (default 5151). */
  port?: number;
  /** The scenario run while capturing (a name from scenarios/), shown next to the capture. */
  scenario?: string;
  /** Where the capture was made: a remote path or WAN shows RTT and retransmissions. */
  network?: EvidenceStep['network'];
}

/**
 * Copies a capture made on another machine (a laptop on Wi-Fi, the VM's own tcpdump) into the
 * evidence folder for a report section and lists it in the index. The original is never changed.
 */
export async function addCapture(folder: string, section: string, file: string, options: AddCaptureOptions = {}): Promise<EvidenceStep> {
  if (!isEvidenceSection(section)) throw new AddCaptureError(`bad section ${JSON.stringify(section)}: captures go to ${EVIDENCE_SECTIONS.join(', ')}`);
  const format = await captureFormat(file);
  if (format === undefined) throw new AddCaptureError(`${file} is not a pcap or pcapng capture (save it from Wireshark as pcapng, or tcpdump -w)`);
  let index: EvidenceIndex;
  try {
    index = await readIndex(folder);
  } catch {
    const now = new Date().toISOString();
    index = { version: 1, createdAt: now, updatedAt: now, steps: [] };
  }
  const dir = join(folder, section);
  await mkdir(dir, { recursive: true });
  const target = join(dir, basename(file));
  await copyFile(file, target);
  const id = `added-${section}-${basename(file).replace(/[^A-Za-z0-9._-]/g, '_')}`;
  const step: EvidenceStep = {
    id,
    section,
    title: `${format} capture added from ${basename(file)}`,
    status: 'passed',
    command: `npm run evidence -- --add ${section} ${basename(file)}`,
    capture: relative(folder, target),
    port: options.port ?? 5151,
    network: options.network ?? 'elsewhere',
    ...(options.scenario ? { scenario: options.scenario } : {}),
    startedAt: new Date().toISOString(),
  };
  putStep(index, step);
  await writeIndex(folder, index);
  return step;
}
