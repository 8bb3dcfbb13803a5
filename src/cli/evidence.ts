#!/usr/bin/env node
/**
 * `npm run evidence [-- --remote host[:port]] [--wan] [--out DIR]`: every piece of evidence the lab
 * report needs that this machine can make, in one folder with an index.
 * `npm run evidence -- --add <section> <capture> [--out DIR]`: a capture made elsewhere, added.
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseEndpoint } from '../analyze/server-endpoint.js';
import { addCapture, AddCaptureError } from '../evidence/add-capture.js';
import { EVIDENCE_SECTIONS } from '../evidence/evidence-index.js';
import { evidenceFolderName, runEvidence } from '../evidence/run-evidence.js';
import { EVIDENCE_STEPS } from '../evidence/steps.js';
import { PROJECT_ROOT } from '../report/build-report.js';
import { OptionError, parsePort, withUsage } from './options.js';

const command = { name: 'chatmsg-evidence', usage: '[--remote host[:port]] [--wan] [--only id,...] [--out DIR] | --add <section> <capture> [--out DIR] [--port N] [--scenario NAME]' };

const HELP = `usage: npm run evidence -- ${command.usage}

Makes every piece of evidence the lab report needs that can be made on this machine, and
leaves it in one folder (default captures/evidence-<UTC time>/) with index.json: what each step
made, whether it passed, or why it is missing and the one command that makes it. Then:
npm run report -- <that folder>.

Steps: ${EVIDENCE_STEPS.map((s) => s.id).join(', ')}.
  --remote HOST[:PORT]  also run basic and the five-client lab against that server (the Azure VM;
                        port 5151 by default), captured on this machine
  --wan                 also run the Docker lab through netem (delay and loss: RTT and retransmissions show)
  --only ID,...         run only these steps
  --out DIR             the evidence folder
  --add SECTION FILE    copy a capture made elsewhere (pcap or pcapng: a laptop on Wi-Fi, the VM's
                        tcpdump) into the folder for section ${EVIDENCE_SECTIONS.join(', ')}; the folder
                        is --out, else the newest captures/evidence-*
  --port N              with --add: the chat server's port in that capture (default 5151)
  --scenario NAME       with --add: the scenario that ran while it was captured
  -h, --help            this help

Ctrl-C stops the step that is running; what was made stays, listed in index.json.
`;

function options() {
  return withUsage(command, () => {
    const { values, positionals } = parseArgs({
      allowPositionals: true,
      options: {
        remote: { type: 'string' },
        wan: { type: 'boolean' },
        only: { type: 'string' },
        out: { type: 'string' },
        add: { type: 'string' },
        port: { type: 'string' },
        scenario: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) return { help: true as const };
    if (values.add !== undefined) {
      if (positionals.length !== 1) throw new OptionError('--add takes a section and one capture file: --add 2.4 laptop-wifi.pcapng');
      return { help: false as const, add: { section: values.add, file: positionals[0]!, port: values.port === undefined ? undefined : parsePort(values.port), scenario: values.scenario }, out: values.out };
    }
    if (positionals.length > 0) throw new OptionError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    const remote = values.remote === undefined ? undefined : parseEndpoint(values.remote.includes(':') ? values.remote : `${values.remote}:5151`);
    if (values.remote !== undefined && remote === undefined) throw new OptionError(`bad --remote ${JSON.stringify(values.remote)}: expected host or host:port`);
    const only = values.only?.split(',').filter((id) => id !== '');
    for (const id of only ?? []) if (!EVIDENCE_STEPS.some((s) => s.id === id)) throw new OptionError(`unknown step ${JSON.stringify(id)} (steps: ${EVIDENCE_STEPS.map((s) => s.id).join(', ')})`);
    return { help: false as const, remote, wan: values.wan === true, only, out: values.out };
  });
}

/** The newest captures/evidence-* folder, for --add without --out. */
async function newestEvidenceFolder(): Promise<string> {
  const parent = join(PROJECT_ROOT, 'captures');
  const names = (await readdir(parent).catch(() => [])).filter((n) => n.startsWith('evidence-')).sort();
  if (names.length === 0) throw new AddCaptureError('no evidence folder yet: run npm run evidence first, or give --out DIR');
  return join(parent, names.at(-1)!);
}

async function main(): Promise<number> {
  const opts = options();
  if (opts.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if ('add' in opts && opts.add) {
    const folder = opts.out ?? (await newestEvidenceFolder());
    const step = await addCapture(folder, opts.add.section, opts.add.file, { ...(opts.add.port ? { port: opts.add.port } : {}), ...(opts.add.scenario ? { scenario: opts.add.scenario } : {}) });
    process.stdout.write(`added ${step.capture} to ${folder} for section ${step.section}\n`);
    return 0;
  }
  const folder = resolve(opts.out ?? join(PROJECT_ROOT, 'captures', evidenceFolderName(new Date())));
  const abort = new AbortController();
  // A terminal's Ctrl-C reaches the whole process group (our scenario and lab runs too), and a
  // child's own clean-up may signal it again: the first one stops the run, later ones only wait.
  process.on('SIGINT', () => {
    if (!abort.signal.aborted) process.stdout.write('\nCtrl-C: stopping the running step; what was made stays in the folder\n');
    abort.abort();
  });
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`evidence folder: ${folder}`);
  const steps = opts.only ? EVIDENCE_STEPS.filter((s) => opts.only!.includes(s.id)) : EVIDENCE_STEPS;
  const index = await runEvidence({ folder, root: PROJECT_ROOT, wan: opts.wan, ...(opts.remote ? { remote: opts.remote } : {}), signal: abort.signal, log }, steps);
  const count = (status: string) => index.steps.filter((s) => s.status === status).length;
  log(`\n${count('passed')} passed, ${count('failed')} failed, ${count('missing')} missing${count('interrupted') ? `, ${count('interrupted')} interrupted` : ''}: ${join(folder, 'index.json')}`);
  for (const step of index.steps.filter((s) => s.status === 'missing')) log(`  missing ${step.id}: ${step.reason}; make it with: ${step.command}`);
  log(`next: npm run report -- ${folder}`);
  if (abort.signal.aborted) return 130;
  return count('failed') > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof AddCaptureError) {
      process.stderr.write(`${command.name}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  },
);
