import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildReport, type ReportOptions } from './build-report.js';
import { findBrowser, printToPdf, PRINT_BY_HAND } from './pdf.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';

export interface WrittenReport {
  dir: string;
  html: string;
  markdown: string;
  /** Absent when no browser could print it; `pdfNote` says what to do instead. */
  pdf?: string;
  pdfNote?: string;
  missing: number;
}

/** Builds the report of an evidence folder and writes index.html, report.md and (with a browser) report.pdf. */
export async function writeReport(folder: string, options: ReportOptions & { out?: string; pdf?: boolean } = {}): Promise<WrittenReport> {
  const report = await buildReport(folder, options);
  const dir = options.out ?? join(folder, 'report');
  await mkdir(dir, { recursive: true });
  const html = join(dir, 'index.html');
  const markdown = join(dir, 'report.md');
  await writeFile(html, renderHtml(report));
  await writeFile(markdown, renderMarkdown(report));
  const written: WrittenReport = { dir, html, markdown, missing: report.checklist.filter((c) => !c.present).length };
  if (options.pdf === false) return written;
  const browser = findBrowser();
  if (browser === undefined) return { ...written, pdfNote: PRINT_BY_HAND };
  const pdf = join(dir, 'report.pdf');
  await printToPdf(browser, html, pdf);
  return { ...written, pdf };
}
