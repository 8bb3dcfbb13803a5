import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClientSession } from './client-session.js';
import { abbreviate, describeFailure, type ScenarioResult } from './result.js';

/** `basic-20261125T101503Z`: the scenario and the UTC time of the run. */
export function evidenceDirName(scenario: string, date: Date): string {
  const stamp = date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${scenario}-${stamp}`;
}

/** Creates a fresh evidence folder under `parent`, adding -2, -3 ... if a run of the same second exists. */
export async function createEvidenceDir(parent: string, scenario: string, date: Date): Promise<string> {
  await mkdir(parent, { recursive: true });
  const base = join(parent, evidenceDirName(scenario, date));
  for (let n = 1; ; n++) {
    const dir = n === 1 ? base : `${base}-${n}`;
    try {
      await mkdir(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** File name of a client's transcript in the evidence folder. */
export const transcriptFile = (client: string) => `client-${client}.log`;

export interface EvidenceExtras {
  /** The server's log, or undefined when the run used someone else's server. */
  serverLog?: string;
  serverCommand?: string;
  /** Name of the pcap in the folder and tcpdump's report, with --capture. */
  capture?: { file: string; report: string };
}

/** Writes transcripts, server.log, result.json and summary.md into `dir`. */
export async function writeEvidence(dir: string, result: ScenarioResult, sessions: ClientSession[], extras: EvidenceExtras): Promise<void> {
  const writes = sessions.map((session) => {
    const stderr = session.exit?.stderr.trim();
    const tail = stderr ? ['', '# stderr', stderr] : [];
    return writeFile(join(dir, transcriptFile(session.name)), [...session.transcript, ...tail, ''].join('\n'));
  });
  const serverLog = extras.serverLog ?? `# the server was not started by this run (${result.server}); its log is wherever it runs\n`;
  writes.push(writeFile(join(dir, 'server.log'), serverLog));
  writes.push(writeFile(join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`));
  writes.push(writeFile(join(dir, 'summary.md'), summaryMarkdown(result, sessions, extras)));
  await Promise.all(writes);
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** A summary a student can paste into a lab report. */
export function summaryMarkdown(result: ScenarioResult, sessions: ClientSession[], extras: EvidenceExtras): string {
  const verdict = result.passed ? 'PASS' : 'FAIL';
  const out = [
    `# Scenario \`${result.scenario}\`: ${verdict}`,
    '',
    `> ${result.description}`,
    '',
    `- file: \`${result.file}\``,
    `- server: ${result.server}${extras.serverCommand ? ` (\`${extras.serverCommand}\`)` : ''}`,
    `- clients: ${result.clientsRun}`,
    `- started: ${result.startedAt}, took ${(result.durationMs / 1000).toFixed(2)} s`,
    `- steps: ${result.steps.filter((s) => s.status === 'pass').length} passed, ${result.steps.filter((s) => s.status === 'fail').length} failed, ${result.steps.filter((s) => s.status === 'not-run').length} not run`,
  ];
  if (extras.capture) out.push(`- capture: \`${extras.capture.file}\` (${extras.capture.report || 'tcpdump gave no count'})`);
  if (result.failure) out.push('', '## Failure', '', '```text', describeFailure(result.failure), '```');
  out.push('', '## Steps', '', '| # | where | step | result | ms | note |', '|---|---|---|---|---|---|');
  for (const step of result.steps) {
    const note = step.status === 'fail' ? `expected ${step.expected}; got ${step.got}` : (step.detail ?? '');
    out.push(`| ${step.index} | ${cell(step.where)} | \`${cell(step.source)}\` | ${step.status} | ${step.durationMs} | ${cell(note)} |`);
  }
  out.push('', '## Clients', '', '| client | exit | sent | received | unchecked lines |', '|---|---|---|---|---|');
  for (const session of sessions) {
    const c = result.clients[session.name]!;
    const exit = c.exit === null ? 'not started' : c.exit.code === null ? `killed (${c.exit.signal})` : String(c.exit.code);
    out.push(`| ${session.name} | ${exit} | ${c.sent} | ${c.received} | ${cell(abbreviate(c.unchecked, 5)) || '-'} |`);
  }
  out.push('', '## Files', '', ...sessions.map((s) => `- \`${transcriptFile(s.name)}\`: transcript of ${s.name} (\`>\` sent, \`<\` received, \`*\` notices)`));
  out.push('- `server.log`: the server log', '- `result.json`: every step, machine-readable');
  if (extras.capture) out.push(`- \`${extras.capture.file}\`: the traffic, open it with Wireshark`);
  return `${out.join('\n')}\n`;
}
