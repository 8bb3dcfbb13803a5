#!/usr/bin/env node
/** `npm run report -- <evidence folder> [--out DIR] [--lang en|pt] [--no-pdf]`: the lab report from an evidence folder. */
import { parseArgs } from 'node:util';
import { AnalyzeError } from '../analyze/tshark.js';
import { LANGS, type Lang } from '../report/titles.js';
import { writeReport } from '../report/write-report.js';
import { OptionError, withUsage } from './options.js';

const command = { name: 'chatmsg-report', usage: '<evidence folder> [--out DIR] [--lang en|pt] [--no-pdf]' };

const HELP = `usage: npm run report -- ${command.usage}

Writes the lab report of an evidence folder (made by npm run evidence) laid out as the
assignment's sections 1, 2.1 to 2.7 and 3: index.html (one self-contained file that prints
well), report.md, and report.pdf when Chromium, Chrome or Edge is on this machine.
Generated parts are facts (counts, fields, figures, captions that say what was measured);
boxes marked "For the authors" are left for your own analysis.

  --out DIR    where to write (default: <evidence folder>/report)
  --lang L     section titles in en (default) or pt (the assignment's Portuguese)
  --no-pdf     do not print to PDF
  -h, --help   this help
`;

function options() {
  return withUsage(command, () => {
    const { values, positionals } = parseArgs({
      allowPositionals: true,
      options: { out: { type: 'string' }, lang: { type: 'string' }, 'no-pdf': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) return { help: true as const };
    if (positionals.length !== 1) throw new OptionError(positionals.length === 0 ? 'missing evidence folder' : 'expected one evidence folder');
    const lang = values.lang ?? 'en';
    if (!(LANGS as readonly string[]).includes(lang)) throw new OptionError(`bad --lang ${JSON.stringify(lang)}: expected ${LANGS.join(' or ')}`);
    return { help: false as const, folder: positionals[0]!, out: values.out, lang: lang as Lang, pdf: !values['no-pdf'] };
  });
}

async function main(): Promise<number> {
  const opts = options();
  if (opts.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const written = await writeReport(opts.folder, { lang: opts.lang, pdf: opts.pdf, ...(opts.out ? { out: opts.out } : {}) });
  process.stdout.write(`report: ${written.html}\nmarkdown: ${written.markdown}\n`);
  if (written.pdf) process.stdout.write(`pdf: ${written.pdf}\n`);
  else if (written.pdfNote) process.stdout.write(`pdf: not made: ${written.pdfNote}\n`);
  if (written.missing > 0) process.stdout.write(`${written.missing} piece(s) of evidence missing: the checklist at the top of the report says how to make each\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof AnalyzeError || (error instanceof Error && /not an evidence folder|evidence index/.test(error.message))) {
      process.stderr.write(`${command.name}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  },
);
