import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { findBrowser, printToPdf, runHeadless } from '../../src/report/pdf.js';
import { SECTION_TITLES } from '../../src/report/titles.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { requireTool } from '../helpers/tools.js';

const ROOT = join(import.meta.dirname, '../..');
const REPORT_BIN = join(ROOT, 'dist/cli/report.js');
const SAMPLE_EVIDENCE = 'captures/samples/evidence';
const SAMPLE_REPORT = join(ROOT, 'captures/samples/report');

const tshark = await requireTool('tshark');
const browser = await requireTool('tshark', 'chromium', 'poppler-utils');

/** The only part of a report that changes from run to run. */
const ORDER = ['1', '2.1', '2.2', '2.3', '2.4', '2.5', '2.6', '2.7', '3'] as const;

const stable = (text: string) => text.replace(/generated \d{4}-\d\d-\d\dT[\d:.]+Z/g, 'generated <time>');

async function makeReport(lang: 'en' | 'pt'): Promise<string> {
  const out = await makeTempDir('chatmsg-report-');
  const run = await execa('node', [REPORT_BIN, SAMPLE_EVIDENCE, '--out', out, '--lang', lang, '--no-pdf'], { cwd: ROOT, reject: false });
  expect(run.exitCode, run.stderr).toBe(0);
  return out;
}

/** The English report of the sample evidence, made once for the file (tshark per frame takes a while). */
let english: Promise<string>;
beforeAll(() => {
  english = tshark.skip ? Promise.resolve('') : makeReport('en');
});

/** The fraction of pixels that are not white in a binary PPM (P6) image, as pdftoppm writes it. */
function inkFraction(ppm: Buffer): number {
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 50).toString('latin1'))!;
  const pixels = ppm.subarray(header[0].length);
  let ink = 0;
  for (let i = 0; i < pixels.length; i += 3) if (pixels[i]! < 240 || pixels[i + 1]! < 240 || pixels[i + 2]! < 240) ink++;
  return ink / (pixels.length / 3);
}

/** How many distinct byte values a PNG's image data has: 2 or 3 for a blank page, hundreds for a rendered one. */
function pngVariety(png: Buffer): number {
  const chunks: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') chunks.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return new Set(inflateSync(Buffer.concat(chunks))).size;
}

describe.skipIf(tshark.skip)(tshark.title('npm run report on the committed sample evidence'), () => {
  it('makes exactly the committed sample report (HTML and Markdown)', async () => {
    const out = await english;
    for (const file of ['index.html', 'report.md']) {
      const made = stable(await readFile(join(out, file), 'utf8'));
      expect(made, `${file}: remake the sample with npm run report -- ${SAMPLE_EVIDENCE} --out captures/samples/report`).toBe(stable(await readFile(join(SAMPLE_REPORT, file), 'utf8')));
    }
  });

  it('has every section in order, every figure drawn, nothing fetched from the network', async () => {
    const html = await readFile(join(await english, 'index.html'), 'utf8');
    const titles = ORDER.map((id) => SECTION_TITLES.en[id]);
    const positions = titles.map((title) => html.indexOf(`<h2>${title.replace(/&/g, '&amp;')}</h2>`));
    expect(positions.every((p) => p > 0), `sections: ${titles.join(', ')}`).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // Every figure is an inline SVG with something in it; the checklist and the author boxes are there.
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs.length).toBeGreaterThanOrEqual(6);
    for (const svg of svgs) expect((svg.match(/<(rect|line|circle|text|path)\b/g) ?? []).length).toBeGreaterThan(5);
    for (const label of ['components', 'Session state machine', 'Sequence diagram', 'MSG ALL fan-out']) expect(html).toContain(label);
    expect(html).toContain('Evidence checklist');
    expect((html.match(/class="authors"/g) ?? []).length).toBe(9);
    // One self-contained file: no script, no stylesheet or image by URL, links only inside the page.
    expect(html).not.toMatch(/<script|<link|<img|@import|url\((?!#)/i);
    const urls = (html.match(/(?:href|src)="[^"]*"/g) ?? []).filter((attr) => !attr.startsWith('href="#'));
    expect(urls).toEqual([]);
    expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:\/\//);
    // Code excerpts come from the marked regions, with file:line.
    expect(html).toMatch(/src\/protocol\/line-decoder\.ts:\d+/);
    // Layer by layer: the Ethernet, IPv4, TCP and CHAT-MSG tables of a frame, and its coloured bytes.
    for (const layer of ['Ethernet II: bytes 0-13', 'IPv4: bytes 14-33', 'CHAT-MSG: bytes']) expect(html).toContain(layer);
    expect(html).toMatch(/<pre class="hex">/);
    // The TLS capture side by side: records only, then the PDUs inside.
    expect(html).toContain('Without the key log: TLS records only');
    expect(html).toMatch(/With the key log: the CHAT-MSG PDUs inside[\s\S]*REGISTER bob/);
  });

  it('gives the assignment\'s Portuguese titles with --lang pt', async () => {
    const html = await readFile(join(await makeReport('pt'), 'index.html'), 'utf8');
    for (const title of Object.values(SECTION_TITLES.pt)) expect(html).toContain(`<h2>${title}</h2>`);
    expect(html).toContain('Lista de evidências');
  });
});

describe.skipIf(browser.skip)(browser.title('the report as a reader sees it, in a real headless Chromium'), () => {
  it('prints to a PDF whose pages carry every section title and every figure', async () => {
    const out = await english;
    const pdf = join(await makeTempDir('chatmsg-pdf-'), 'report.pdf');
    await printToPdf(findBrowser()!, join(out, 'index.html'), pdf);
    const info = await execa('pdfinfo', [pdf]);
    const pages = Number(/Pages:\s+(\d+)/.exec(info.stdout)![1]);
    expect(pages).toBeGreaterThanOrEqual(10);
    const text = (await execa('pdftotext', ['-layout', pdf, '-'])).stdout;
    for (const title of Object.values(SECTION_TITLES.en)) expect(text).toContain(title);
    // A figure that did not render would lose its own words; each title is drawn inside its SVG.
    for (const figure of ['CHAT-MSG client and server: components', 'Session state machine (PROTOCOL.md section 4)', 'MSG ALL fan-out']) {
      const page = await pageOf(pdf, figure);
      expect(page, `${figure} is on no page`).toBeGreaterThan(0);
      const ppm = await execa('pdftoppm', ['-r', '30', '-f', String(page), '-l', String(page), pdf], { encoding: 'buffer' });
      expect(inkFraction(Buffer.from(ppm.stdout))).toBeGreaterThan(0.02);
    }
    // No blank page from a bad page break.
    const texts = (await execa('pdftotext', [pdf, '-'])).stdout.split('\f').slice(0, pages);
    expect(texts.filter((page) => page.trim() === '')).toEqual([]);
  });

  it('shows the first page in a screenshot', async () => {
    const out = await english;
    const png = join(await makeTempDir('chatmsg-shot-'), 'first-page.png');
    await runHeadless(findBrowser()!, ['--window-size=1000,1400', `--screenshot=${png}`, '--hide-scrollbars'], join(out, 'index.html'));
    expect(pngVariety(await readFile(png))).toBeGreaterThan(50);
  });
});

/** The first page whose text holds `needle` (pdftotext ends every page with a form feed). */
async function pageOf(pdf: string, needle: string): Promise<number> {
  const pages = (await execa('pdftotext', [pdf, '-'])).stdout.split('\f');
  return pages.findIndex((text) => text.replace(/\s+/g, ' ').includes(needle)) + 1;
}
