import type { SequenceDiagram } from './sequence-diagram.js';

/** Layout of the SVG, in pixels. */
const LAYOUT = { column: 190, margin: 30, header: 56, row: 26, footer: 30, charWidth: 6.2 } as const;

const xml = (text: string) =>
  text.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[ch]!);

/**
 * Renders the diagram as a standalone SVG (no scripts, no fonts or styles fetched from anywhere),
 * so it shows in a browser, an editor preview or a report without network access.
 */
export function renderSequenceSvg(diagram: SequenceDiagram): string {
  const { column, margin, header, row, footer } = LAYOUT;
  const xOf = new Map(diagram.participants.map((p, i) => [p.key, margin + column / 2 + i * column]));
  const width = margin * 2 + Math.max(1, diagram.participants.length) * column;
  const rows = diagram.arrows.length + (diagram.omitted > 0 ? 1 : 0);
  const height = header + rows * row + footer;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="11">`,
    '<defs><marker id="head" markerWidth="8" markerHeight="8" refX="8" refY="4" orient="auto">'
      + '<path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker></defs>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
  ];
  for (const p of diagram.participants) {
    const x = xOf.get(p.key)!;
    parts.push(
      `<rect x="${x - column / 2 + 6}" y="8" width="${column - 12}" height="30" rx="4" fill="#eef3fb" stroke="#4a6fa5"/>`,
      `<text x="${x}" y="27" text-anchor="middle">${xml(p.label)}</text>`,
      `<line x1="${x}" y1="38" x2="${x}" y2="${height - 10}" stroke="#999" stroke-dasharray="4 3"/>`,
    );
  }
  diagram.arrows.forEach((a, i) => {
    const y = header + i * row + row / 2;
    const x1 = xOf.get(a.from)!;
    const x2 = xOf.get(a.to)!;
    const dash = a.response ? ' stroke-dasharray="5 3"' : '';
    const color = a.response ? '#2e7d32' : '#1f4e8c';
    parts.push(
      `<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" stroke="${color}"${dash} marker-end="url(#head)"/>`,
      `<text x="${(x1 + x2) / 2}" y="${y - 4}" text-anchor="middle" fill="${color}" stroke="#fff" stroke-width="3" paint-order="stroke">#${a.frame} ${xml(a.label)}</text>`,
    );
  });
  if (diagram.omitted > 0) {
    const y = header + diagram.arrows.length * row + row / 2;
    parts.push(`<text x="${margin}" y="${y}">${diagram.omitted} more PDUs not drawn</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
