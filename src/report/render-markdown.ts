import { hexDumpText } from './hex-dump.js';
import type { Block, Report, Table } from './model.js';
import { WORDS } from './titles.js';

const cell = (text: string) => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
const mdTable = (t: Table) =>
  [`**${t.caption}**`, '', `| ${t.head.map(cell).join(' | ')} |`, `|${t.head.map(() => '---').join('|')}|`, ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
const fence = (text: string, lang = '') => `\`\`\`${lang}\n${text}\n\`\`\``;

function block(b: Block, lang: Report['lang'], figures: string[]): string {
  switch (b.kind) {
    case 'paragraph':
      return b.text;
    case 'table':
      return mdTable(b.table);
    case 'figure':
      figures.push(b.svg);
      return `*Figure ${figures.length}: ${b.caption}* (in index.html)`;
    case 'code':
      return `*${b.caption}*\n\n${fence(b.text, b.file.endsWith('.ts') ? 'ts' : '')}`;
    case 'frame':
      return [
        `#### ${b.caption}`,
        ...b.view.layers.map((layer) => mdTable({
          caption: `${layer.title}: bytes ${layer.offset}-${layer.offset + layer.length - 1}`,
          head: ['field', 'value', 'bytes'],
          rows: layer.fields.map((f) => [`${'  '.repeat(f.depth)}${f.name}`, f.value, f.offset === undefined ? 'computed' : `${f.offset}-${f.offset + (f.length ?? 1) - 1}`]),
        })),
        fence(hexDumpText(b.view)),
      ].join('\n\n');
    case 'side-by-side':
      return `*${b.caption}*\n\n${mdTable(b.left)}\n\n${mdTable(b.right)}`;
    case 'authors':
      return `> **${WORDS[lang].forAuthors}:** ${b.text}`;
    case 'missing':
      return `> **${WORDS[lang].missing}:** ${b.what}; ${WORDS[lang].makeIt} \`${b.command}\``;
  }
}

/** The same report as Markdown, for editing in any text editor (figures stay in the HTML). */
export function renderMarkdown(report: Report): string {
  const words = WORDS[report.lang];
  const figures: string[] = [];
  const checklist = mdTable({
    caption: words.checklist,
    head: ['section', 'evidence', '', ''],
    rows: report.checklist.map((c) => [c.section, c.what, c.present ? words.present : words.missing, c.command ? `\`${c.command}\`` : '']),
  });
  const sections = report.sections.map((s) => [`## ${s.title}`, ...s.blocks.map((b) => block(b, report.lang, figures))].join('\n\n'));
  return [`# ${report.title}`, `Evidence folder ${report.folder}; generated ${report.generatedAt} by \`npm run report\`.`, checklist, ...sections].join('\n\n') + '\n';
}
