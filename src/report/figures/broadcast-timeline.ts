import type { Analysis } from '../../analyze/analysis.js';
import { serviceOf } from '../../analyze/services.js';
import { parseServerLine } from '../../protocol/server-pdu.js';
import { escapeXml } from '../markup.js';

/** One MSG ALL and where its copies went, in seconds of the capture. */
export interface Broadcast {
  from: string;
  sentAt: number;
  frame: number;
  copies: { to: string; at: number; frame: number }[];
}

export interface BroadcastTimeline {
  clients: string[];
  broadcasts: Broadcast[];
}

/**
 * Who sent a MSG ALL when, and when each copy reached each client, as the capture recorded them
 * (at the server's interface: a copy's time is when the server wrote it, not when the client read it).
 */
export function broadcastTimeline(analysis: Analysis): BroadcastTimeline {
  const nameOf = new Map(analysis.connections.map((c) => [c.stream, c.clientId ?? c.client]));
  const broadcasts: Broadcast[] = [];
  for (const pdu of analysis.pdus) {
    if (serviceOf(pdu) === 'MSG ALL') {
      broadcasts.push({ from: nameOf.get(pdu.stream) ?? `stream ${pdu.stream}`, sentAt: pdu.time, frame: pdu.frame, copies: [] });
    } else if (serviceOf(pdu) === 'MSG ALL delivery') {
      const delivery = parseServerLine(pdu.line);
      if (delivery.kind !== 'MSG') continue;
      // The copy belongs to the latest broadcast of that sender sent before it.
      const source = broadcasts.findLast((b) => b.from.toLowerCase() === delivery.from.toLowerCase() && b.sentAt <= pdu.time);
      source?.copies.push({ to: nameOf.get(pdu.stream) ?? `stream ${pdu.stream}`, at: pdu.time, frame: pdu.frame });
    }
  }
  const clients = [...new Set([...broadcasts.map((b) => b.from), ...broadcasts.flatMap((b) => b.copies.map((c) => c.to))])].sort();
  return { clients, broadcasts };
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const LAYOUT = { left: 110, right: 30, top: 40, lane: 44, bottom: 50, width: 760 } as const;

/** Lanes per client; a filled circle where a client sent, a ring of the sender's colour where a copy arrived. */
export function renderBroadcastTimeline(timeline: BroadcastTimeline, title: string): string {
  const { left, right, top, lane, bottom, width } = LAYOUT;
  const height = top + Math.max(1, timeline.clients.length) * lane + bottom;
  const times = timeline.broadcasts.flatMap((b) => [b.sentAt, ...b.copies.map((c) => c.at)]);
  const t0 = Math.min(...times);
  const span = Math.max(Math.max(...times) - t0, 1e-6);
  const xOf = (t: number) => left + ((t - t0) / span) * (width - left - right);
  const yOf = (client: string) => top + timeline.clients.indexOf(client) * lane + lane / 2;
  const colourOf = (client: string) => PALETTE[timeline.clients.indexOf(client) % PALETTE.length]!;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11" role="img" aria-label="${escapeXml(title)}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (const client of timeline.clients) {
    const y = yOf(client);
    parts.push(
      `<line x1="${left}" y1="${y}" x2="${width - right}" y2="${y}" stroke="#ccc"/>`,
      `<text x="${left - 10}" y="${y + 4}" text-anchor="end">${escapeXml(client)}</text>`,
    );
  }
  for (const b of timeline.broadcasts) {
    const colour = colourOf(b.from);
    for (const copy of b.copies) {
      parts.push(`<line x1="${xOf(b.sentAt)}" y1="${yOf(b.from)}" x2="${xOf(copy.at)}" y2="${yOf(copy.to)}" stroke="${colour}" stroke-opacity="0.35"/>`);
      parts.push(`<circle cx="${xOf(copy.at)}" cy="${yOf(copy.to)}" r="4" fill="#fff" stroke="${colour}" stroke-width="2"><title>${escapeXml(`${b.from} -> ${copy.to}, frame ${copy.frame}`)}</title></circle>`);
    }
    parts.push(`<circle cx="${xOf(b.sentAt)}" cy="${yOf(b.from)}" r="6" fill="${colour}"><title>${escapeXml(`${b.from} sends MSG ALL, frame ${b.frame}`)}</title></circle>`);
  }
  const axisY = height - bottom + 14;
  parts.push(`<line x1="${left}" y1="${axisY}" x2="${width - right}" y2="${axisY}" stroke="#333"/>`);
  for (let i = 0; i <= 4; i++) {
    const t = t0 + (span * i) / 4;
    parts.push(`<text x="${xOf(t)}" y="${axisY + 16}" text-anchor="middle">${((t - t0) * 1000).toFixed(2)} ms</text>`);
  }
  parts.push(`<text x="${left}" y="${height - 6}" fill="#555">time since the first MSG ALL (filled: sent; ring: copy delivered, in the sender's colour)</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
