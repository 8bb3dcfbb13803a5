import { describe, expect, it } from 'vitest';
import type { Pdu } from '../../src/analyze/capture-model.js';
import type { Connection } from '../../src/analyze/connections.js';
import { buildSequenceDiagram, MAX_ARROWS, renderMermaid } from '../../src/analyze/sequence-diagram.js';
import { renderSequenceSvg } from '../../src/analyze/sequence-svg.js';

const pdu = (frame: number, direction: Pdu['direction'], line: string): Pdu => ({
  frame, carriedIn: [frame], time: frame / 1000, stream: 0, direction, line, bytes: line.length + 1,
  src: direction === 'request' ? '10.0.0.2:40000' : '10.0.0.1:5151',
  dst: direction === 'request' ? '10.0.0.1:5151' : '10.0.0.2:40000',
});
const connection = {
  stream: 0, client: '10.0.0.2:40000', server: '10.0.0.1:5151', clientId: 'alice',
} as Connection;

describe('sequence diagram', () => {
  it('draws the server first, then each client by its id, requests solid and replies dashed', () => {
    const diagram = buildSequenceDiagram([pdu(4, 'request', 'LOGIN alice'), pdu(6, 'response', 'OK LOGIN alice')], [connection]);
    expect(renderMermaid(diagram)).toBe([
      'sequenceDiagram',
      '  participant P0 as server 10.0.0.1#58;5151',
      '  participant P1 as alice 10.0.0.2#58;40000',
      '  P1->>P0: #4 LOGIN alice',
      '  P0-->>P1: #6 OK LOGIN alice',
    ].join('\n'));
  });

  it('escapes what Mermaid and SVG would read as syntax', () => {
    const diagram = buildSequenceDiagram([pdu(9, 'request', 'MSG ALL <b>#1; & "q"</b>')], [connection]);
    expect(renderMermaid(diagram)).toContain('P1->>P0: #9 MSG ALL #60;b#62;#35;1#59; & "q"#60;/b#62;');
    const svg = renderSequenceSvg(diagram);
    expect(svg).toContain('#9 MSG ALL &lt;b&gt;#1; &amp; &quot;q&quot;&lt;/b&gt;');
    expect(svg).not.toContain('<b>');
  });

  it(`draws at most ${MAX_ARROWS} arrows and says how many more there were`, () => {
    const many = Array.from({ length: MAX_ARROWS + 5 }, (_, i) => pdu(i + 1, 'request', 'PING'));
    const diagram = buildSequenceDiagram(many, [connection]);
    expect(diagram.arrows).toHaveLength(MAX_ARROWS);
    expect(diagram.omitted).toBe(5);
    expect(renderMermaid(diagram)).toContain('Note over P0: 5 more PDUs not drawn');
    expect(renderSequenceSvg(diagram)).toContain('5 more PDUs not drawn');
  });
});
