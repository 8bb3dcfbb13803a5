import { basename } from 'node:path';
import type { Analysis } from './analysis.js';
import { headerFields } from './header-fields.js';
import { renderMermaid } from './sequence-diagram.js';
import { splitVerb } from './services.js';
import type { ScenarioCheck } from './expect-scenario.js';

const cell = (text: string | number) => String(text).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/`/g, '\\`');
const row = (cells: (string | number)[]) => `| ${cells.map(cell).join(' | ')} |`;
const table = (head: string[], rows: (string | number)[][]) =>
  [row(head), `|${head.map(() => '---').join('|')}|`, ...rows.map(row)].join('\n');
const frameList = (frames: number[], max = 30) =>
  frames.length === 0 ? '-' : frames.slice(0, max).join(', ') + (frames.length > max ? `, ... (${frames.length})` : '');
const seconds = (t: number) => t.toFixed(6);

function connectionsSection(a: Analysis): string {
  if (a.connections.length === 0) return '## TCP connections\n\nNo TCP connections in the capture.';
  return `## TCP connections\n\n${table(
    ['stream', 'client', 'client-id', 'server', 'handshake frames (SYN, SYN-ACK, ACK)', 'teardown frames (FIN)', 'RST frames', 'PDUs', 'payload bytes c->s / s->c', 'time (s)'],
    a.connections.map((c) => [
      c.stream, c.client, c.clientId ?? '-', c.server, frameList(c.handshake), frameList(c.fins), frameList(c.resets),
      c.pdus, `${c.payloadBytes.fromClient} / ${c.payloadBytes.fromServer}`, `${seconds(c.start)} - ${seconds(c.end)}`,
    ]),
  )}`;
}

function pduSection(a: Analysis): string {
  if (a.pdus.length === 0) return '## CHAT-MSG PDUs in time order\n\nNo CHAT-MSG PDUs found (wrong `--port`?).';
  return `## CHAT-MSG PDUs in time order\n\nA PDU split over several TCP segments is listed at the frame where its last byte arrived; "segments" lists the frames that carried it.\n\n${table(
    ['frame', 'time (s)', 'source', 'destination', 'direction', 'verb', 'arguments', 'bytes', 'segments'],
    a.pdus.map((p) => {
      const { verb, args } = splitVerb(p.line);
      return [p.frame, seconds(p.time), p.src, p.dst, p.direction, verb, args, p.bytes, frameList(p.carriedIn, 12)];
    }),
  )}`;
}

function servicesSection(a: Analysis): string {
  if (a.services.length === 0) return '## Services';
  const examples = a.services.map((s) => {
    const frame = a.frames.find((f) => f.number === s.frames[0])!;
    return `### ${s.service}: example frame ${frame.number}\n\n${table(
      ['layer', 'field', 'value', 'bytes of the frame'],
      headerFields(frame).map((h) => [h.layer, h.field, h.value, `${h.bytes[0]}-${h.bytes[1]}`]),
    )}\n\nPDUs in this frame: ${frame.pdus.map((p) => `\`${p.line.replace(/`/g, "'")}\``).join(', ')}`;
  });
  return `## Services\n\n${table(
    ['service', 'direction', 'count', 'frames'],
    a.services.map((s) => [s.service, s.direction, s.count, frameList(s.frames)]),
  )}\n\n${examples.join('\n\n')}`;
}

function problemsSection(a: Analysis): string {
  const lines = [
    `- TCP retransmissions: ${a.retransmissions.length === 0 ? 'none' : `frames ${frameList(a.retransmissions)}`}`,
    `- TCP resets (RST): ${a.resets.length === 0 ? 'none' : `frames ${frameList(a.resets)}`}`,
  ];
  return `## Retransmissions and resets\n\n${lines.join('\n')}`;
}

/** The Markdown report; `svgName` is the file name of the SVG diagram written next to it. */
export function renderMarkdownReport(a: Analysis, svgName?: string): string {
  const requests = a.pdus.filter((p) => p.direction === 'request').length;
  const summary = table(['', 'count'], [
    ['TCP frames', a.frames.length],
    ['TCP connections', a.connections.length],
    ['CHAT-MSG PDUs', a.pdus.length],
    ['requests (client -> server)', requests],
    ['responses and deliveries (server -> client)', a.pdus.length - requests],
    ['retransmitted frames', a.retransmissions.length],
    ['RST frames', a.resets.length],
  ]);
  const diagram = `## Sequence diagram\n\n\`\`\`mermaid\n${renderMermaid(a.diagram)}\n\`\`\`${
    svgName ? `\n\n![sequence diagram](${svgName})` : ''}`;
  return [
    `# CHAT-MSG capture analysis: ${basename(a.file)}`,
    `Made by \`npm run analyze\` with tshark and wireshark/chatmsg.lua.\n\n${summary}`,
    connectionsSection(a),
    pduSection(a),
    servicesSection(a),
    problemsSection(a),
    diagram,
  ].join('\n\n') + '\n';
}

/** The `--expect` section: PASS/FAIL, which connection each client was, each step's frame, the problems. */
export function renderScenarioCheck(check: ScenarioCheck): string {
  const clients = Object.entries(check.streams).map(([client, stream]) => `${client} = TCP stream ${stream}`).join(', ');
  const problems = check.problems.length === 0 ? '' : `\n\nProblems:\n\n${check.problems.map((p) => `- ${p}`).join('\n')}`;
  const steps = check.matches.length === 0 ? '' : `\n\n${table(['step', 'client', 'frame'], check.matches.map((m) => [m.step, m.client, m.frame]))}`;
  return `## Scenario check: ${check.scenario}\n\n**${check.ok ? 'PASS' : 'FAIL'}**: ${
    check.ok ? 'every line the scenario sends and expects is in the capture, in a causally consistent order' : `${check.problems.length} problem(s)`
  }${clients ? `\n\nClients: ${clients}` : ''}${problems}${steps}\n`;
}
