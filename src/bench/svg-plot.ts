import type { ServerKind } from './dialects.js';
import type { BenchReport } from './run.js';

/** A line of the plot: points (x = offered deliveries/s, y = p99 ms). */
interface Series {
  name: string;
  color: string;
  dash: string;
  points: { x: number; y: number }[];
}

const COLORS: Record<ServerKind, string> = { chatmsg: '#1f77b4', redis: '#d62728', irc: '#2ca02c', 'irc-ping': '#9467bd', relay: '#7f7f7f', baseline: '#ff7f0e' };
const DASHES = ['', '6 3', '2 3', '10 3 2 3'];
const SIZE = { width: 760, height: 440, left: 70, right: 220, top: 40, bottom: 50 } as const;

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Powers of ten covering [min, max]. */
function decades(min: number, max: number): number[] {
  const out: number[] = [];
  for (let p = Math.floor(Math.log10(min)); p <= Math.ceil(Math.log10(max)); p++) out.push(10 ** p);
  return out;
}

function label(n: number): string {
  if (n >= 1e6) return `${n / 1e6}M`;
  if (n >= 1e3) return `${n / 1e3}k`;
  return String(n);
}

function seriesOf(report: BenchReport): Series[] {
  const receiverCounts = [...new Set(report.fanout.map((r) => r.receivers))];
  const fanout = report.fanout.map((r) => ({
    name: `${r.label} fan-out N=${r.receivers}`,
    color: COLORS[r.kind],
    dash: DASHES[receiverCounts.indexOf(r.receivers) % DASHES.length]!,
    points: r.ladder.map((step) => ({ x: step.offeredDeliveries ?? 0, y: step.p99Ms })),
  }));
  const direct = report.direct.map((r) => ({
    name: `${r.label} direct`,
    color: COLORS[r.kind],
    dash: DASHES[DASHES.length - 1]!,
    points: r.ladder.map((step) => ({ x: Number(step.offered), y: step.p99Ms })),
  }));
  return [...fanout, ...direct].filter((s) => s.points.length > 0);
}

/**
 * p99 latency against offered load, log-log, one line per server and workload: a small SVG
 * written by hand (no plotting library in the tool chain), readable on GitHub and in a browser.
 */
export function renderLatencyPlot(report: BenchReport): string {
  const series = seriesOf(report);
  const xs = series.flatMap((s) => s.points.map((p) => p.x)).filter((x) => x > 0);
  const ys = series.flatMap((s) => s.points.map((p) => p.y)).filter((y) => y > 0);
  const xTicks = decades(Math.min(...xs, 1e3), Math.max(...xs, 1e4));
  const yTicks = decades(Math.min(...ys, 0.1), Math.max(...ys, 10));
  const plotW = SIZE.width - SIZE.left - SIZE.right;
  const plotH = SIZE.height - SIZE.top - SIZE.bottom;
  const logScale = (v: number, ticks: number[], span: number) =>
    (Math.log10(Math.max(v, ticks[0]!)) - Math.log10(ticks[0]!)) / (Math.log10(ticks.at(-1)!) - Math.log10(ticks[0]!)) * span;
  const px = (x: number) => SIZE.left + logScale(x, xTicks, plotW);
  const py = (y: number) => SIZE.top + plotH - logScale(y, yTicks, plotH);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE.width}" height="${SIZE.height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${SIZE.left}" y="22" font-size="14">p99 latency vs offered load (${escape(report.startedAt)})</text>`,
  ];
  for (const t of xTicks) {
    out.push(
      `<line x1="${px(t)}" y1="${SIZE.top}" x2="${px(t)}" y2="${SIZE.top + plotH}" stroke="#ddd"/>`,
      `<text x="${px(t)}" y="${SIZE.top + plotH + 16}" text-anchor="middle">${label(t)}</text>`,
    );
  }
  for (const t of yTicks) {
    out.push(
      `<line x1="${SIZE.left}" y1="${py(t)}" x2="${SIZE.left + plotW}" y2="${py(t)}" stroke="#ddd"/>`,
      `<text x="${SIZE.left - 6}" y="${py(t) + 4}" text-anchor="end">${label(t)}</text>`,
    );
  }
  out.push(
    `<rect x="${SIZE.left}" y="${SIZE.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${SIZE.left + plotW / 2}" y="${SIZE.height - 10}" text-anchor="middle">offered deliveries/s (direct: messages/s)</text>`,
    `<text transform="translate(16 ${SIZE.top + plotH / 2}) rotate(-90)" text-anchor="middle">p99 latency, ms</text>`,
  );
  series.forEach((s, i) => {
    const points = s.points.filter((p) => p.x > 0).map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`);
    const dash = s.dash === '' ? '' : ` stroke-dasharray="${s.dash}"`;
    out.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const point of points) {
      const [x, y] = point.split(',');
      out.push(`<circle cx="${x}" cy="${y}" r="2.5" fill="${s.color}"/>`);
    }
    const ly = SIZE.top + 10 + i * 18;
    const lx = SIZE.left + plotW + 12;
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 30}" y="${ly + 4}">${escape(s.name)}</text>`,
    );
  });
  out.push('</svg>', '');
  return out.join('\n');
}
