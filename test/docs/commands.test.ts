import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { execaNode } from 'execa';
import { describe, expect, it } from 'vitest';

// The README and the pages it links to are read by newcomers first: every `npm run` command they
// show must name a script that exists and options its command accepts, and every relative link
// must lead to a file in the tree. (What each command does is tested by the suites of its area.)
const root = resolve(import.meta.dirname, '../..');
const pages = [
  'README.md',
  'docs/CLIENT.md',
  'docs/LAB.md',
  'docs/CONFORMANCE.md',
  'docs/PROTOCOL.md',
  'docs/PERFORMANCE.md',
  'docs/REPORT.md',
  'wireshark/README.md',
  'scenarios/README.md',
  'infra/README.md',
  'captures/samples/README.md',
].filter((page) => existsSync(join(root, page)));

const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** `npm run [-s] <script> [-- args]` occurrences, with the options they pass. */
function npmCommands(markdown: string): { script: string; options: string[]; text: string }[] {
  const found = [];
  for (const match of markdown.matchAll(/npm run (?:-s )?([a-z][\w:-]*)((?: [^\s`|#;&)]+)*)/g)) {
    const args = (match[2] ?? '').trim().split(' ').filter((word) => word !== '');
    const options = args.filter((word) => /^--[a-z]/.test(word)).map((word) => word.split('=')[0]!);
    found.push({ script: match[1]!, options, text: match[0] });
  }
  return found;
}

/** The CLI behind an `npm run` script, when it is one of ours (`node dist/cli/<name>.js`). */
function cliOf(script: string): string | undefined {
  return /node (dist\/cli\/[\w-]+\.js)/.exec(scripts[script] ?? '')?.[1];
}

const helpCache = new Map<string, Promise<string>>();
function helpOf(cli: string): Promise<string> {
  let help = helpCache.get(cli);
  if (help === undefined) {
    help = execaNode(join(root, cli), ['--help'], { reject: false, timeout: 20_000 }).then((result) => `${result.stdout}\n${result.stderr}`);
    helpCache.set(cli, help);
  }
  return help;
}

describe.each(pages)('%s', (page) => {
  const markdown = readFileSync(join(root, page), 'utf8');

  it('names only npm scripts that exist, with options their command accepts', async () => {
    const problems: string[] = [];
    for (const command of npmCommands(markdown)) {
      if (!(command.script in scripts)) {
        problems.push(`${command.text}: no script "${command.script}" in package.json`);
        continue;
      }
      const cli = cliOf(command.script);
      if (cli === undefined) continue;
      const help = await helpOf(cli);
      for (const option of command.options) {
        if (option === '--help' || option === '--') continue;
        if (!help.includes(option)) problems.push(`${command.text}: ${cli} --help does not mention ${option}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('links only to files that exist', () => {
    const broken = [];
    for (const match of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1]!.split('#')[0]!;
      if (target === '' || /^[a-z]+:/.test(target)) continue;
      if (!existsSync(join(root, dirname(page), target))) broken.push(match[1]);
    }
    expect(broken).toEqual([]);
  });
});

it('the README fits a first read', () => {
  expect(readFileSync(join(root, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(150);
});
