import { analyzeCapture, type Analysis } from '../analyze/analysis.js';
import { renderSequenceSvg } from '../analyze/sequence-svg.js';
import { serviceOf, splitVerb } from '../analyze/services.js';
import type { TsharkOptions } from '../analyze/tshark.js';
import { broadcastTimeline, renderBroadcastTimeline } from './figures/broadcast-timeline.js';
import { renderSeriesPlot } from './figures/series-plot.js';
import { readFrameView } from './frame-view.js';
import type { Block, Table } from './model.js';

/** How many rows of the PDU table the report prints before it says how many more there are. */
const MAX_PDU_ROWS = 80;

export interface CaptureEvidence {
  /** The capture file, and how it is named in captions (relative to the evidence folder). */
  path: string;
  name: string;
  tshark: TsharkOptions;
  /** Draw RTT, retransmissions and window: the path had a real network in it. */
  network: boolean;
  /** Draw the broadcast timeline (section 2.5). */
  timeline: boolean;
  /** Facts only (section 2.2: the scenario tables are the evidence; the layers come in 2.3). */
  factsOnly?: boolean;
}

const ms = (seconds: number) => `${(seconds * 1000).toFixed(3)} ms`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function factsTable(a: Analysis, name: string): Table {
  const requests = a.pdus.filter((p) => p.direction === 'request').length;
  const clients = new Set(a.connections.map((c) => c.client.replace(/:\d+$/, '')));
  return {
    caption: `What ${name} holds (tshark with wireshark/chatmsg.lua, read by npm run report)`,
    head: ['', 'count'],
    rows: [
      ['TCP frames', String(a.frames.length)],
      ['TCP connections', String(a.connections.length)],
      ['client addresses', `${clients.size}: ${[...clients].join(', ')}`],
      ['CHAT-MSG PDUs', String(a.pdus.length)],
      ['requests (client -> server)', String(requests)],
      ['replies and deliveries (server -> client)', String(a.pdus.length - requests)],
      ['retransmitted frames', String(a.retransmissions.length)],
      ['RST frames', String(a.resets.length)],
    ],
  };
}

function pduTable(a: Analysis, name: string): Table {
  const rows = a.pdus.slice(0, MAX_PDU_ROWS).map((p) => {
    const { verb, args } = splitVerb(p.line);
    return [String(p.frame), p.time.toFixed(6), p.src, p.dst, serviceOf(p), verb, args, String(p.bytes)];
  });
  const more = a.pdus.length - rows.length;
  return {
    caption: `CHAT-MSG PDUs of ${name} in time order${more > 0 ? ` (first ${MAX_PDU_ROWS}; ${more} more in the capture)` : ''}`,
    head: ['frame', 'time (s)', 'source', 'destination', 'service', 'verb', 'arguments', 'bytes'],
    rows,
  };
}

/** RTT samples, retransmissions and the receive window over time: what a real network path shows. */
function networkBlocks(a: Analysis, name: string): Block[] {
  const rtts = a.frames.filter((f) => f.tcp.ackRtt !== undefined).map((f) => ({ x: f.time, y: f.tcp.ackRtt! * 1000 }));
  const blocks: Block[] = [];
  const rows: string[][] = [
    ['RTT samples (tcp.analysis.ack_rtt)', String(rtts.length)],
    ...(rtts.length > 0
      ? [
          ['RTT min / median / p95 / max', [0, 50, 95, 100].map((p) => ms(percentile(rtts.map((r) => r.y / 1000), p))).join(' / ')],
        ]
      : []),
    ['retransmitted frames', `${a.retransmissions.length}${a.retransmissions.length > 0 ? ` (frames ${a.retransmissions.slice(0, 20).join(', ')})` : ''}`],
    ['smallest / largest advertised window', windowRange(a)],
  ];
  blocks.push({ kind: 'table', table: { caption: `Network figures of ${name} (from tshark's TCP analysis)`, head: ['', 'value'], rows } });
  if (rtts.length > 1) {
    blocks.push({ kind: 'figure', caption: `RTT of every acknowledged segment in ${name}, as Wireshark computes it (tcp.analysis.ack_rtt)`, svg: renderSeriesPlot([{ label: 'ACK RTT (ms)', colour: '#1f77b4', points: rtts }], 'Round-trip time per ACK', 'capture time (s)', 'RTT (ms)') });
  }
  const windows = a.frames.filter((f) => Number.isFinite(f.tcp.scaledWindow)).map((f) => ({ x: f.time, y: f.tcp.scaledWindow / 1024 }));
  if (windows.length > 1) {
    blocks.push({ kind: 'figure', caption: `Advertised receive window of every frame in ${name} (tcp.window_size, scaled)`, svg: renderSeriesPlot([{ label: 'window (KiB)', colour: '#2ca02c', points: windows }], 'TCP receive window', 'capture time (s)', 'KiB') });
  }
  return blocks;
}

function windowRange(a: Analysis): string {
  const sizes = a.frames.map((f) => f.tcp.scaledWindow).filter(Number.isFinite);
  return sizes.length === 0 ? '-' : `${Math.min(...sizes)} / ${Math.max(...sizes)} bytes`;
}

/** One frame per request service (the first of each), as the representative of that service. */
function representativeFrames(a: Analysis): { service: string; frame: number }[] {
  const seen = new Map<string, number>();
  for (const pdu of a.pdus) {
    if (pdu.direction !== 'request') continue;
    const service = serviceOf(pdu);
    if (!seen.has(service) && pdu.carriedIn.length === 1) seen.set(service, pdu.frame);
  }
  return [...seen].map(([service, frame]) => ({ service, frame }));
}

/** The layer analysis of one capture: facts, a frame per service layer by layer, PDUs, diagrams. */
export async function captureBlocks(evidence: CaptureEvidence): Promise<Block[]> {
  const a = await analyzeCapture(evidence.path, evidence.tshark);
  const blocks: Block[] = [{ kind: 'table', table: factsTable(a, evidence.name) }];
  if (evidence.factsOnly) return blocks;
  if (a.pdus.length === 0) {
    blocks.push({ kind: 'paragraph', text: `No CHAT-MSG PDU was found in ${evidence.name} (another server port? encrypted?).` });
    return blocks;
  }
  for (const { service, frame } of representativeFrames(a)) {
    const view = await readFrameView(evidence.path, frame, { port: evidence.tshark.port, prefs: evidence.tshark.prefs, decodeAs: evidence.tshark.decodeAs });
    blocks.push({ kind: 'frame', caption: `${service}: frame ${frame} of ${evidence.name}, layer by layer`, view });
  }
  blocks.push({ kind: 'table', table: pduTable(a, evidence.name) });
  blocks.push({ kind: 'figure', caption: `Sequence diagram of ${evidence.name} (every PDU, by connection; dashed = server to client)`, svg: renderSequenceSvg(a.diagram) });
  if (evidence.timeline) {
    const timeline = broadcastTimeline(a);
    if (timeline.broadcasts.length > 0) {
      blocks.push({ kind: 'figure', caption: `The simultaneous MSG ALL sends of ${evidence.name} and when each copy reached each client (times as captured)`, svg: renderBroadcastTimeline(timeline, 'MSG ALL fan-out') });
    }
  }
  if (evidence.network) blocks.push(...networkBlocks(a, evidence.name));
  return blocks;
}
