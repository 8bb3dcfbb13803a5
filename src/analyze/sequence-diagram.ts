import type { Connection } from './connections.js';
import type { Pdu } from './capture-model.js';

/** A sequence diagram as data: lifelines (the server first, then each client) and arrows. */
export interface SequenceDiagram {
  participants: { key: string; label: string }[];
  arrows: { from: string; to: string; label: string; frame: number; response: boolean }[];
  /** PDUs left out past the arrow limit. */
  omitted: number;
}

export const MAX_ARROWS = 400;
const LABEL_MAX = 48;

const shorten = (text: string) => (text.length > LABEL_MAX ? `${text.slice(0, LABEL_MAX - 3)}...` : text);

export function buildSequenceDiagram(pdus: Pdu[], connections: Connection[]): SequenceDiagram {
  const participants: SequenceDiagram['participants'] = [];
  const byEndpoint = new Map<string, string>();
  const add = (endpointName: string, label: string) => {
    if (byEndpoint.has(endpointName)) return;
    const key = `P${participants.length}`;
    byEndpoint.set(endpointName, key);
    participants.push({ key, label });
  };
  for (const c of connections) add(c.server, `server ${c.server}`);
  for (const c of connections) add(c.client, c.clientId ? `${c.clientId} ${c.client}` : `client ${c.client}`);
  for (const p of pdus) {
    add(p.src, p.src);
    add(p.dst, p.dst);
  }
  const shown = pdus.slice(0, MAX_ARROWS);
  return {
    participants,
    arrows: shown.map((p) => ({
      from: byEndpoint.get(p.src)!,
      to: byEndpoint.get(p.dst)!,
      label: shorten(p.line),
      frame: p.frame,
      response: p.direction === 'response',
    })),
    omitted: pdus.length - shown.length,
  };
}

/** Mermaid's texts may not hold `;` or `#` raw (nor `:` in a participant's name); it takes `#NN;` entity codes. */
const mermaidText = (text: string, special = /[#;<>]/g) => text.replace(special, (ch) => `#${ch.charCodeAt(0)};`);

export function renderMermaid(diagram: SequenceDiagram): string {
  const lines = ['sequenceDiagram'];
  for (const p of diagram.participants) lines.push(`  participant ${p.key} as ${mermaidText(p.label, /[#;<>:]/g)}`);
  for (const a of diagram.arrows) {
    lines.push(`  ${a.from}${a.response ? '-->>' : '->>'}${a.to}: #${a.frame} ${mermaidText(a.label)}`);
  }
  if (diagram.omitted > 0) {
    lines.push(`  Note over ${diagram.participants[0]?.key ?? 'P0'}: ${diagram.omitted} more PDUs not drawn`);
  }
  return lines.join('\n');
}
