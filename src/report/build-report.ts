import { readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readIndex, type EvidenceSection, type EvidenceStep } from '../evidence/evidence-index.js';
import { runTshark } from '../analyze/tshark.js';
import type { ScenarioResult } from '../scenario/result.js';
import { captureBlocks } from './capture-blocks.js';
import { readExcerpt, REPORT_REGIONS } from './code-excerpts.js';
import { renderComponentDiagram } from './figures/component-diagram.js';
import { renderStateMachine } from './figures/state-machine.js';
import type { Block, ChecklistItem, Report, ReportSection, SectionId, Table } from './model.js';
import { SECTION_TITLES, WORDS, type Lang } from './titles.js';

/** The project's root (dist/report and src/report are both two levels deep). */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What each section asks the authors for; shown in a marked box, never written for them. */
const ASKS: Record<SectionId, string> = {
  '1': 'Introduce the work: the goal of the assignment, the protocol, and how the report is organised.',
  '2.1': 'Explain how the client and the server are built and why: the layers in the diagram, the state machine, and what the excerpts show.',
  '2.2': 'Say what each basic test shows about each service, and discuss anything unexpected in the tables.',
  '2.3': 'Identify each CHAT-MSG message with its header and PDU, and the headers and PDUs of the other protocols of the stack (Ethernet, IP, TCP) in the frames shown.',
  '2.4': 'Describe the wireless setup (where the capture was made, which interface) and compare the layers with the wired capture of 2.3: what changes at the link layer, and what does not.',
  '2.5': 'Analyse the five simultaneous clients: the addresses, how the server fanned out each broadcast, the order and timing of the copies.',
  '2.6': 'Describe the proposed new service: what it adds, how it works (messages, states), and why it was chosen.',
  '2.7': 'Show that the new service works and what an observer sees of it: compare the capture without and with the TLS keys.',
  '3': 'Conclude: the challenges met, what was learned, what could be improved.',
};

/** The evidence each section expects: which steps, and the command for one that is absent. */
const EXPECTED: { section: EvidenceSection; what: string; ids: string[]; command: string }[] = [
  { section: '2.2', what: 'basic scenario on 127.0.0.1', ids: ['local-basic'], command: 'npm run evidence' },
  { section: '2.2', what: 'errors scenario on 127.0.0.1', ids: ['local-errors'], command: 'npm run evidence' },
  { section: '2.2', what: 'presence scenario on 127.0.0.1', ids: ['local-presence'], command: 'npm run evidence' },
  { section: '2.3', what: 'clients through the remote server, captured', ids: ['remote-basic', 'added-2.3'], command: 'npm run evidence -- --remote <vm-address>:5151' },
  { section: '2.4', what: 'a capture made on the wireless client', ids: ['added-2.4'], command: 'npm run evidence -- --add 2.4 <capture.pcapng> --out <this folder>' },
  { section: '2.5', what: 'five simultaneous clients on five addresses, captured', ids: ['remote-broadcast5', 'lab-broadcast5', 'lab-broadcast5-wan', 'added-2.5'], command: 'npm run evidence -- --remote <vm-address>:5151 (or with Docker: npm run evidence)' },
  { section: '2.7', what: 'the secure scenario over TLS with its key log', ids: ['secure-tls', 'added-2.7'], command: 'npm run evidence' },
];

const stepsOf = (steps: EvidenceStep[], ids: string[]) =>
  steps.filter((s) => ids.some((id) => s.id === id || s.id.startsWith(`${id}-`)));

function scenarioTable(result: ScenarioResult, runDir: string): Table {
  return {
    caption: `Scenario ${result.scenario} against ${result.server}: ${result.passed ? 'PASS' : 'FAIL'}, ${result.steps.filter((s) => s.status === 'pass').length} of ${result.steps.length} steps (${runDir}/result.json)`,
    head: ['step (line)', 'client', 'expected', 'received', 'result'],
    rows: result.steps.map((s) => [`${s.index} (${/:(\d+)$/.exec(s.where)?.[1] ?? 'start'})`, s.client ?? '', shorten(s.expected ?? s.source), shorten(s.got ?? (s.status === 'pass' ? 'as expected' : '')), s.status.toUpperCase()]),
  };
}

async function scenarioBlocks(folder: string, step: EvidenceStep): Promise<Block[]> {
  if (step.runDir === undefined) return [];
  try {
    const result = JSON.parse(await readFile(join(folder, step.runDir, 'result.json'), 'utf8')) as ScenarioResult;
    return [{ kind: 'table', table: scenarioTable(result, step.runDir) }];
  } catch {
    return [{ kind: 'paragraph', text: `${step.runDir}/result.json could not be read.` }];
  }
}

/** The scenario file used for a capture, quoted as it is. */
async function scenarioSource(folder: string, step: EvidenceStep): Promise<Block[]> {
  if (step.scenario === undefined) return [];
  const inFolder = join(folder, step.scenario);
  const path = step.scenario.endsWith('.scenario') ? inFolder : join(PROJECT_ROOT, 'scenarios', `${step.scenario}.scenario`);
  try {
    const text = await readFile(path, 'utf8');
    return [{ kind: 'code', caption: `The test scenario used for this capture (${relative(PROJECT_ROOT, path).startsWith('..') ? step.scenario : relative(PROJECT_ROOT, path)})`, file: basename(path), startLine: 1, text: text.trimEnd() }];
  } catch {
    return [{ kind: 'paragraph', text: `The scenario ${step.scenario} could not be read.` }];
  }
}

async function stepBlocks(folder: string, step: EvidenceStep): Promise<Block[]> {
  const blocks: Block[] = [{ kind: 'paragraph', text: `${step.title}: ${step.status.toUpperCase()}${step.reason ? ` (${step.reason})` : ''}. Made by \`${step.command}\`${step.startedAt ? ` at ${step.startedAt}` : ''}.` }];
  blocks.push(...(await scenarioBlocks(folder, step)));
  if (step.capture !== undefined) {
    const tls = step.keylog !== undefined;
    const port = step.port ?? 5151;
    const keylogPrefs = tls ? [`tls.keylog_file:${join(folder, step.keylog!)}`] : [];
    // Over TLS the chat port is TLS's: the dissector must not claim it (it would read a ClientHello as a bad line).
    const tshark = tls ? { prefs: keylogPrefs, decodeAs: [`tcp.port==${port},tls`, `tls.port==${port},chatmsg`] } : { port };
    if (tls) blocks.push(await tlsSideBySide(join(folder, step.capture), step, port, keylogPrefs));
    try {
      blocks.push(...(await captureBlocks({
        path: join(folder, step.capture),
        name: step.capture,
        tshark,
        network: step.network === 'wan' || step.network === 'remote' || step.network === 'elsewhere',
        timeline: step.section === '2.5',
        factsOnly: step.section === '2.2',
      })));
    } catch (error) {
      blocks.push({ kind: 'paragraph', text: `The capture ${step.capture} could not be analysed: ${(error as Error).message}` });
    }
  }
  blocks.push(...(await scenarioSource(folder, step)));
  return blocks;
}

/** Long base64 (keys, signatures, ciphertext) cut for a table cell; the full line is in the PDU table. */
const shorten = (text: string, max = 90) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The same TLS capture twice: only TLS records without the key log, the CHAT-MSG PDUs inside with it. */
async function tlsSideBySide(pcap: string, step: EvidenceStep, port: number, keylogPrefs: string[]): Promise<Block> {
  const fields = (args: string[]) => ['-T', 'fields', '-E', 'separator=\t', ...args.flatMap((f) => ['-e', f])];
  const decode = [`tcp.port==${port},tls`];
  const records = await runTshark(pcap, fields(['frame.number', 'tls.record.content_type', 'tls.record.length']), { decodeAs: decode, filter: 'tls' });
  const inside = await runTshark(pcap, fields(['frame.number', 'chatmsg.line']), { prefs: keylogPrefs, decodeAs: [...decode, `tls.port==${port},chatmsg`], filter: 'chatmsg' });
  const CONTENT: Record<string, string> = { '20': 'change cipher spec', '21': 'alert', '22': 'handshake', '23': 'application data' };
  const rows = (text: string, map: (cols: string[]) => string[]) => text.split('\n').filter((l) => l !== '').slice(0, 40).map((l) => map(l.split('\t')));
  return {
    kind: 'side-by-side',
    caption: `${step.capture}: what an observer sees, and what the key log (${step.keylog}) reveals (first 40 frames of each)`,
    left: { caption: 'Without the key log: TLS records only', head: ['frame', 'TLS record', 'bytes'], rows: rows(records, ([f = '', t = '', n = '']) => [f, t.split(',').map((c) => CONTENT[c] ?? c).join(', '), n]) },
    right: { caption: 'With the key log: the CHAT-MSG PDUs inside', head: ['frame', 'CHAT-MSG'], rows: rows(inside, ([f = '', line = '']) => [f, shorten(line.split(',').join(' | '))]) },
  };
}

async function overviewSection(lang: Lang): Promise<ReportSection> {
  const blocks: Block[] = [
    { kind: 'figure', caption: 'Components of the client and the server, and the files that hold them (generated by npm run report)', svg: renderComponentDiagram() },
    { kind: 'figure', caption: 'The session state machine of the server (docs/PROTOCOL.md section 4)', svg: renderStateMachine() },
  ];
  for (const region of REPORT_REGIONS) {
    const excerpt = await readExcerpt(PROJECT_ROOT, region.file, region.name);
    blocks.push({ kind: 'code', caption: `${excerpt.why.replace(/^report section 2\.1: /, '')} (${excerpt.file}:${excerpt.startLine})`, file: excerpt.file, startLine: excerpt.startLine, text: excerpt.text });
  }
  blocks.push({ kind: 'authors', text: ASKS['2.1'] });
  return { id: '2.1', title: SECTION_TITLES[lang]['2.1'], blocks };
}

function newServiceSection(lang: Lang): ReportSection {
  return {
    id: '2.6',
    title: SECTION_TITLES[lang]['2.6'],
    blocks: [
      { kind: 'paragraph', text: 'The reference implementation\'s extension is the secure service of docs/PROTOCOL.md section 9: registered identities (REGISTER, AUTH, CHALLENGE, PROVE), end-to-end encrypted direct messages (PREKEY, KEYS, EMSG) and TLS 1.3 for the whole connection.' },
      { kind: 'authors', text: ASKS['2.6'] },
    ],
  };
}

export interface ReportOptions {
  lang?: Lang;
}

/** Reads an evidence folder and builds the report's model: sections 1 to 3 with every piece of evidence found. */
export async function buildReport(folder: string, options: ReportOptions = {}): Promise<Report> {
  const lang = options.lang ?? 'en';
  const index = await readIndex(folder);
  const checklist: ChecklistItem[] = EXPECTED.map((e) => {
    const present = stepsOf(index.steps, e.ids).some((s) => s.status === 'passed');
    return { section: e.section, what: e.what, present, ...(present ? {} : { command: e.command }) };
  });
  const evidenceSection = async (id: EvidenceSection): Promise<ReportSection> => {
    const blocks: Block[] = [];
    for (const expected of EXPECTED.filter((e) => e.section === id)) {
      const steps = stepsOf(index.steps, expected.ids).filter((s) => s.status !== 'missing');
      if (steps.length === 0) blocks.push({ kind: 'missing', what: expected.what, command: expected.command });
      for (const step of steps) blocks.push(...(await stepBlocks(folder, step)));
    }
    blocks.push({ kind: 'authors', text: ASKS[id] });
    return { id, title: SECTION_TITLES[lang][id], blocks };
  };
  const sections: ReportSection[] = [
    { id: '1', title: SECTION_TITLES[lang]['1'], blocks: [{ kind: 'authors', text: ASKS['1'] }] },
    await overviewSection(lang),
    await evidenceSection('2.2'),
    await evidenceSection('2.3'),
    await evidenceSection('2.4'),
    await evidenceSection('2.5'),
    newServiceSection(lang),
    await evidenceSection('2.7'),
    { id: '3', title: SECTION_TITLES[lang]['3'], blocks: [{ kind: 'authors', text: ASKS['3'] }] },
  ];
  return { title: WORDS[lang].report, lang, folder, generatedAt: new Date().toISOString(), checklist, sections };
}
