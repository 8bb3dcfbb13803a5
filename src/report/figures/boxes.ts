import { escapeXml } from '../markup.js';

/** A box of a diagram, in a grid of columns and rows (so a layout is data, not coordinates). */
export interface Box {
  id: string;
  column: number;
  row: number;
  label: string;
  /** A second, smaller line: the file or the module. */
  note?: string;
  fill?: string;
}

export interface Arrow {
  from: string;
  to: string;
  label?: string;
  /** Both ways (a TCP connection). */
  both?: boolean;
}

const CELL = { width: 290, height: 90, boxWidth: 180, boxHeight: 50, margin: 20 } as const;

/** Renders boxes on a grid with straight labelled arrows between their edges; no scripts, no fonts fetched. */
export function renderBoxDiagram(boxes: Box[], arrows: Arrow[], title: string): string {
  const columns = Math.max(...boxes.map((b) => b.column)) + 1;
  const rows = Math.max(...boxes.map((b) => b.row)) + 1;
  const width = CELL.margin * 2 + columns * CELL.width;
  const height = CELL.margin * 2 + rows * CELL.height + 24;
  const centre = (box: Box) => ({
    x: CELL.margin + box.column * CELL.width + CELL.width / 2,
    y: CELL.margin + 24 + box.row * CELL.height + CELL.height / 2,
  });
  const byId = new Map(boxes.map((b) => [b.id, b]));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img" aria-label="${escapeXml(title)}">`,
    '<defs><marker id="box-head" markerWidth="8" markerHeight="8" refX="8" refY="4" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker></defs>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${CELL.margin}" y="${CELL.margin + 4}" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (const arrow of arrows) {
    const a = centre(byId.get(arrow.from)!);
    const b = centre(byId.get(arrow.to)!);
    // Leave each box at its edge facing the other one.
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const horizontal = Math.abs(dx) * CELL.boxHeight > Math.abs(dy) * CELL.boxWidth;
    const shrink = horizontal ? CELL.boxWidth / 2 / Math.abs(dx) : CELL.boxHeight / 2 / Math.abs(dy);
    const x1 = a.x + dx * shrink;
    const y1 = a.y + dy * shrink;
    const x2 = b.x - dx * shrink;
    const y2 = b.y - dy * shrink;
    parts.push(`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#333" marker-end="url(#box-head)"${arrow.both ? ' marker-start="url(#box-head)"' : ''}/>`);
    if (arrow.label) {
      parts.push(`<text x="${(x1 + x2) / 2 + (horizontal ? 0 : 6)}" y="${(y1 + y2) / 2 - 4}" text-anchor="${horizontal ? 'middle' : 'start'}" font-size="11" fill="#1f4e8c" stroke="#fff" stroke-width="3" paint-order="stroke">${escapeXml(arrow.label)}</text>`);
    }
  }
  for (const box of boxes) {
    const { x, y } = centre(box);
    parts.push(
      `<rect x="${x - CELL.boxWidth / 2}" y="${y - CELL.boxHeight / 2}" width="${CELL.boxWidth}" height="${CELL.boxHeight}" rx="6" fill="${box.fill ?? '#eef3fb'}" stroke="#4a6fa5"/>`,
      `<text x="${x}" y="${y - (box.note ? 3 : -4)}" text-anchor="middle" font-weight="bold">${escapeXml(box.label)}</text>`,
    );
    if (box.note) parts.push(`<text x="${x}" y="${y + 14}" text-anchor="middle" font-size="10" font-family="monospace" fill="#555">${escapeXml(box.note)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}
