import { hexDumpHtml, layerColour } from './hex-dump.js';
import { escapeXml as esc } from './markup.js';
import type { Block, Report, Table } from './model.js';
import { WORDS } from './titles.js';

/** Print-friendly, self-contained: no fonts, scripts or images fetched from anywhere. */
const CSS = `
body { font: 11pt/1.45 "DejaVu Sans", Arial, sans-serif; color: #222; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
h2 { font-size: 1.35rem; border-bottom: 2px solid #4a6fa5; padding-bottom: .2rem; margin-top: 2.5rem; }
.meta { color: #555; font-size: .9rem; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: .85rem; width: 100%; }
caption { text-align: left; font-weight: bold; padding: .2rem 0; caption-side: top; }
th, td { border: 1px solid #bbb; padding: .15rem .35rem; vertical-align: top; text-align: left; overflow-wrap: anywhere; }
th { background: #eef3fb; }
table.checklist td:nth-child(3) { white-space: nowrap; }
table.layer { font-size: .78rem; }
table.layer td { padding: .05rem .35rem; }
td.pass { color: #1b5e20; font-weight: bold; } td.fail { color: #b71c1c; font-weight: bold; }
figure { margin: 1rem 0; break-inside: avoid; page-break-inside: avoid; }
figure.code { break-inside: auto; page-break-inside: auto; }
figure svg { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: .85rem; color: #444; margin-top: .3rem; }
pre { background: #f7f7f7; border: 1px solid #ddd; padding: .5rem; font-size: .78rem; overflow-x: auto; white-space: pre-wrap; }
pre.hex { white-space: pre; font-size: .72rem; line-height: 1.35; }
.off { color: #888; }
.legend .key { padding: 0 .4rem; margin-right: .3rem; border: 1px solid #bbb; font-size: .8rem; }
.authors { border: 2px dashed #b26a00; background: #fff8e6; padding: .6rem .8rem; margin: 1rem 0; break-inside: avoid; }
.authors strong { color: #b26a00; }
.missing { border-left: 5px solid #b71c1c; background: #fdecea; padding: .4rem .8rem; margin: .6rem 0; }
.present { color: #1b5e20; font-weight: bold; } .absent { color: #b71c1c; font-weight: bold; }
.frame { break-inside: auto; margin: 1rem 0; }
.frame > h4 { margin: .2rem 0; }
.layers { columns: 2; column-gap: 1rem; } .layers table { break-inside: auto; margin-top: 0; }
.layer th[colspan] { text-align: left; }
.side { display: flex; gap: 1rem; } .side > div { flex: 1; min-width: 0; }
code { background: #f3f3f3; padding: 0 .2rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  section.report-section { break-before: page; page-break-before: always; }
  section.report-section:first-of-type { break-before: auto; page-break-before: auto; }
  table, pre { break-inside: auto; }
  tr, .hex { break-inside: avoid; page-break-inside: avoid; }
}
`;

function table(t: Table): string {
  const cell = (text: string) => {
    const cls = text === 'PASS' ? ' class="pass"' : text === 'FAIL' ? ' class="fail"' : '';
    return `<td${cls}>${esc(text)}</td>`;
  };
  return `<table><caption>${esc(t.caption)}</caption><thead><tr>${t.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${t.rows
    .map((r) => `<tr>${r.map(cell).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const inlineCode = (text: string) => esc(text).replace(/`([^`]+)`/g, '<code>$1</code>');

function block(b: Block, lang: Report['lang']): string {
  switch (b.kind) {
    case 'paragraph':
      return `<p>${inlineCode(b.text)}</p>`;
    case 'table':
      return table(b.table);
    case 'figure':
      return `<figure>${b.svg}<figcaption>${esc(b.caption)}</figcaption></figure>`;
    case 'code':
      return `<figure class="code"><figcaption>${esc(b.caption)}</figcaption><pre>${esc(b.text)}</pre></figure>`;
    case 'frame': {
      const layers = b.view.layers
        .map((layer) => `<table class="layer"><thead><tr><th colspan="3" style="background:${layerColour(layer.protocol)}">${esc(layer.title)}: bytes ${layer.offset}-${layer.offset + layer.length - 1} (${layer.length} bytes)</th></tr><tr><th>field</th><th>value</th><th>bytes of the frame</th></tr></thead><tbody>${layer.fields
          .map((f) => `<tr><td>${'&nbsp;&nbsp;'.repeat(f.depth * 2)}${esc(f.name)}</td><td>${esc(f.value)}</td><td>${f.offset === undefined ? 'computed by Wireshark' : f.length! <= 1 ? String(f.offset) : `${f.offset}-${f.offset + f.length! - 1}`}</td></tr>`)
          .join('')}</tbody></table>`)
        .join('');
      return `<div class="frame"><h4>${esc(b.caption)}</h4><p class="meta">protocols: ${esc(b.view.protocols)}, ${b.view.bytes.length} bytes</p><div class="layers">${layers}</div><figure>${hexDumpHtml(b.view)}<figcaption>Frame ${b.view.number}: every byte on the colour of its layer</figcaption></figure></div>`;
    }
    case 'side-by-side':
      return `<figure><figcaption>${esc(b.caption)}</figcaption><div class="side"><div>${table(b.left)}</div><div>${table(b.right)}</div></div></figure>`;
    case 'authors':
      return `<div class="authors"><strong>${esc(WORDS[lang].forAuthors)}:</strong> ${esc(b.text)}</div>`;
    case 'missing':
      return `<div class="missing"><span class="absent">${esc(WORDS[lang].missing)}:</span> ${esc(b.what)}; ${esc(WORDS[lang].makeIt)} <code>${esc(b.command)}</code></div>`;
  }
}

/** One self-contained HTML file: inline CSS and SVG, a checklist, then sections 1 to 3. */
export function renderHtml(report: Report): string {
  const words = WORDS[report.lang];
  const checklist = `<table class="checklist"><caption>${esc(words.checklist)}</caption><thead><tr><th>section</th><th>evidence</th><th></th><th></th></tr></thead><tbody>${report.checklist
    .map((c) => `<tr><td>${c.section}</td><td>${esc(c.what)}</td><td class="${c.present ? 'present' : 'absent'}">${esc(c.present ? words.present : words.missing)}</td><td>${c.command ? `<code>${esc(c.command)}</code>` : ''}</td></tr>`)
    .join('')}</tbody></table>`;
  const toc = `<nav><strong>${esc(words.contents)}</strong><ul>${report.sections.map((s) => `<li><a href="#s${s.id}">${esc(s.title)}</a></li>`).join('')}</ul></nav>`;
  const sections = report.sections
    .map((s) => `<section class="report-section" id="s${s.id}"><h2>${esc(s.title)}</h2>${s.blocks.map((b) => block(b, report.lang)).join('\n')}</section>`)
    .join('\n');
  return `<!doctype html>
<html lang="${report.lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(report.title)}</title><style>${CSS}</style></head>
<body>
<header><h1>${esc(report.title)}</h1><p class="meta">Evidence folder ${esc(report.folder)}; generated ${esc(report.generatedAt)} by <code>npm run report</code>. Generated parts state what was measured and by which command; the boxes marked "${esc(words.forAuthors)}" are yours to write.</p>
${checklist}
${toc}</header>
${sections}
</body>
</html>
`;
}
