import { escapeXml } from '../markup.js';

export interface Series {
  label: string;
  colour: string;
  points: { x: number; y: number }[];
}

const LAYOUT = { left: 70, right: 20, top: 34, bottom: 44, width: 760, height: 260 } as const;

/** A scatter plot of one or more series against time; axes labelled, no scripts. */
export function renderSeriesPlot(series: Series[], title: string, xLabel: string, yLabel: string): string {
  const { left, right, top, bottom, width, height } = LAYOUT;
  const all = series.flatMap((s) => s.points);
  const xMin = Math.min(...all.map((p) => p.x));
  const xMax = Math.max(...all.map((p) => p.x), xMin + 1e-6);
  const yMax = Math.max(...all.map((p) => p.y), 1e-9) * 1.1;
  const xOf = (x: number) => left + ((x - xMin) / (xMax - xMin)) * (width - left - right);
  const yOf = (y: number) => height - bottom - (y / yMax) * (height - top - bottom);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11" role="img" aria-label="${escapeXml(title)}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="18" font-weight="bold">${escapeXml(title)}</text>`,
    `<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="#333"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="#333"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const y = (yMax * i) / 4;
    const x = xMin + ((xMax - xMin) * i) / 4;
    parts.push(
      `<text x="${left - 6}" y="${yOf(y) + 4}" text-anchor="end">${y.toPrecision(3)}</text>`,
      `<text x="${xOf(x)}" y="${height - bottom + 16}" text-anchor="middle">${x.toFixed(2)}</text>`,
    );
  }
  parts.push(
    `<text x="${(left + width - right) / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text x="14" y="${(top + height - bottom) / 2}" transform="rotate(-90 14 ${(top + height - bottom) / 2})" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    for (const p of s.points) parts.push(`<circle cx="${xOf(p.x).toFixed(1)}" cy="${yOf(p.y).toFixed(1)}" r="2.5" fill="${s.colour}"/>`);
    parts.push(`<rect x="${width - right - 170}" y="${top + i * 16 - 8}" width="10" height="10" fill="${s.colour}"/><text x="${width - right - 155}" y="${top + i * 16 + 1}">${escapeXml(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
