import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/tools.js';

const tshark = await requireTool('tshark');

const ANALYZE_BIN = fileURLToPath(new URL('../../dist/cli/analyze.js', import.meta.url));
const SAMPLES_DIR = fileURLToPath(new URL('../../captures/samples/', import.meta.url));

/**
 * The committed samples and the options their reports were made with:
 * `npm run analyze -- captures/samples/<pcap> <args> --out captures/samples/<report>.md`.
 */
const SAMPLES = [
  { pcap: 'basic.pcap', report: 'basic-report', args: ['--server', '127.0.0.1:34301', '--expect', 'basic'] },
  { pcap: 'lab-broadcast5.pcap', report: 'lab-broadcast5-report', args: ['--expect', 'broadcast5'] },
] as const;

describe.skipIf(tshark.skip)(tshark.title('captures/samples: the committed reports are what the analysis makes of the committed captures'), () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chatmsg-samples-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(SAMPLES)('$pcap', async ({ pcap, report, args }) => {
    const out = join(dir, `${report}.md`);
    const run = await execa('node', [ANALYZE_BIN, join(SAMPLES_DIR, pcap), ...args, '--out', out], { reject: false });
    expect(run.exitCode, run.stderr).toBe(0);
    // The capture's analysis must be exactly the committed one; the scenario check only has to
    // pass (a later edit of the scenario file may change its step list).
    const [analysis, check] = (await readFile(out, 'utf8')).split('\n## Scenario check');
    const [committed] = (await readFile(join(SAMPLES_DIR, `${report}.md`), 'utf8')).split('\n## Scenario check');
    expect(analysis).toBe(committed);
    expect(check).toMatch(/^: \S+\n\n\*\*PASS\*\*/);
    expect(await readFile(join(dir, `${report}.svg`), 'utf8')).toBe(await readFile(join(SAMPLES_DIR, `${report}.svg`), 'utf8'));
  });
});
