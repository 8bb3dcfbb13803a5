import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvidenceIndex } from '../../src/evidence/evidence-index.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { requireTool } from '../helpers/tools.js';

const ROOT = join(import.meta.dirname, '../..');
const lab = await requireTool('docker', 'docker-compose', 'tshark');

describe.skipIf(lab.skip)(lab.title('npm run evidence with Docker: the five-client lab for section 2.5'), () => {
  it('runs the lab, keeps its capture, and the report draws the five simultaneous sends and their copies', async () => {
    const folder = join(await makeTempDir('chatmsg-evidence-lab-'), 'ev');
    const run = await execa('node', [join(ROOT, 'dist/cli/evidence.js'), '--out', folder, '--only', 'lab-broadcast5'], { cwd: ROOT, reject: false, all: true, timeout: 600_000 });
    expect(run.exitCode, run.all).toBe(0);
    const index = JSON.parse(await readFile(join(folder, 'index.json'), 'utf8')) as EvidenceIndex;
    const [step] = index.steps;
    expect(step).toMatchObject({ id: 'lab-broadcast5', section: '2.5', status: 'passed', port: 5151, scenario: 'broadcast5', network: 'lab' });
    expect(step!.capture).toMatch(/^2\.5\/lab-broadcast5\/broadcast5-\d{8}T\d{6}Z\.pcap$/);

    const report = await execa('node', [join(ROOT, 'dist/cli/report.js'), folder, '--no-pdf'], { cwd: ROOT, reject: false, all: true });
    expect(report.exitCode, report.all).toBe(0);
    const html = await readFile(join(folder, 'report', 'index.html'), 'utf8');
    const section = html.slice(html.indexOf('id="s2.5"'), html.indexOf('id="s2.6"'));
    // Five client addresses, five broadcasts each drawn with its four copies (a ring per copy).
    expect(section).toMatch(/client addresses<\/td><td>5: 172\.28\.0\.1[1-5]/);
    const timeline = /<svg[^>]*aria-label="MSG ALL fan-out"[\s\S]*?<\/svg>/.exec(section)?.[0] ?? '';
    expect((timeline.match(/sends MSG ALL, frame/g) ?? []).length).toBe(5);
    expect((timeline.match(/ -&gt; [a-z]+, frame/g) ?? []).length).toBe(20);
  }, 700_000);
});
