/**
 * The one place a test asks for an outside tool (tshark, tcpdump, Docker, root ...).
 *
 *   const tools = await requireTool('tcpdump', 'root');
 *   describe.skipIf(tools.skip)(tools.title('live capture on lo'), () => { ... });
 *   it.skipIf(tools.skip)(tools.title('--capture records the traffic'), async () => { ... });
 *
 * - All there: `skip` is false and `title(t)` is `t`: the test runs as before.
 * - Something missing: `skip` is true and the title carries the reason, e.g.
 *   "live capture on lo (skipped: tcpdump not installed, not root)". At the end of the run the
 *   skip-summary reporter (test/helpers/skip-summary.ts) prints one summary: what was skipped, why,
 *   and the command that installs each tool.
 * - Under CI=true a missing tool is an error instead (the call throws, so the file fails): CI runs
 *   everything (.ci/run installs it all with scripts/setup-machine.sh).
 *
 * Call it at the top level of a test file (top-level await), never inside a test.
 * A new tool is one entry in TOOLS.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { findExecutable } from '../../src/bench/servers.js';
import { engineVersion, findCompose, standaloneCompose } from '../../src/lab/compose-command.js';
import { findBrowser } from '../../src/report/pdf.js';

export interface Tool {
  /** Why a test is skipped without it, as it appears in the test's name. */
  readonly missing: string;
  /** The one command that gets it. */
  readonly install: string;
  isPresent(): boolean | Promise<boolean>;
}

/** Is `name` an executable file on PATH? The code under test runs tools by name, so PATH is what counts. */
export function onPath(name: string, path = process.env['PATH'] ?? ''): boolean {
  return path.split(delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return statSync(join(dir, name)).isFile();
    } catch {
      return false;
    }
  });
}

const apt = (pkg: string) => `sudo apt-get install ${pkg}`;
const SETUP_MACHINE = 'sudo bash scripts/setup-machine.sh';

export const TOOLS = {
  tshark: { missing: 'tshark not installed', install: apt('tshark'), isPresent: () => onPath('tshark') },
  tcpdump: { missing: 'tcpdump not installed', install: apt('tcpdump'), isPresent: () => onPath('tcpdump') },
  // Wireshark's capture program: Debian's wireshark-common, which tshark brings.
  dumpcap: { missing: 'dumpcap not installed', install: apt('tshark'), isPresent: () => onPath('dumpcap') },
  // scripts/make-lab-ca.sh makes the lab's certificates with it.
  openssl: { missing: 'openssl not installed', install: apt('openssl'), isPresent: () => onPath('openssl') },
  shellcheck: { missing: 'shellcheck not installed', install: apt('shellcheck'), isPresent: () => onPath('shellcheck') },
  // test/infra/fake_az.py, the tests' Azure CLI, answers --query with jmespath as the real CLI does.
  'python3-jmespath': {
    missing: 'python3 with jmespath not installed',
    install: apt('python3-jmespath'),
    isPresent: () => onPath('python3') && spawnSync('python3', ['-c', 'import jmespath']).status === 0,
  },
  // setup-machine.sh installs it without letting it configure this machine at the next boot.
  'cloud-init': { missing: 'cloud-init not installed', install: SETUP_MACHINE, isPresent: () => onPath('cloud-init') },
  docker: {
    missing: 'no Docker engine answers',
    install: `${SETUP_MACHINE} (installs and starts Docker, pulls or builds the base images)`,
    isPresent: async () => onPath('docker') && (await engineVersion()) !== undefined,
  },
  'docker-compose': {
    missing: 'neither docker compose nor docker-compose installed',
    install: apt('docker-compose'),
    isPresent: async () => (onPath('docker') || onPath('docker-compose')) && (await findCompose()) !== undefined,
  },
  // The compose-file test asks Compose v1 itself what it accepts (docs/LAB.md, "Compose versions").
  'docker-compose-v1': {
    missing: 'docker-compose 1.x not installed',
    install: apt('docker-compose'),
    isPresent: async () => (await standaloneCompose())?.major === 1,
  },
  // The bench looks for its peers in sbin too, where Debian puts ngircd: ask it, not PATH.
  'redis-server': { missing: 'redis-server not installed', install: apt('redis-server'), isPresent: () => findExecutable('redis-server') !== undefined },
  ngircd: { missing: 'ngircd not installed', install: apt('ngircd'), isPresent: () => findExecutable('ngircd') !== undefined },
  // npm run report prints its PDF with a headless Chromium-family browser (Debian: chromium).
  chromium: { missing: 'no Chromium, Chrome or Edge installed', install: apt('chromium'), isPresent: () => findBrowser() !== undefined },
  'poppler-utils': { missing: 'pdftoppm/pdftotext not installed', install: apt('poppler-utils'), isPresent: () => onPath('pdftoppm') && onPath('pdftotext') },
  root: {
    missing: 'not root',
    install: 'run the suite as root (sudo npm test): capturing on lo and switching users need it',
    isPresent: () => process.getuid?.() === 0,
  },
} as const satisfies Record<string, Tool>;

export type ToolName = keyof typeof TOOLS;

export interface ToolCheck {
  /** True when a tool is missing (never under CI=true): pass it to describe.skipIf / it.skipIf. */
  readonly skip: boolean;
  /** `title`, with " (skipped: <reasons>)" appended when skipped. */
  title(title: string): string;
}

export const SKIP_MARK = /\(skipped: ([^)]+)\)/g;

const inCi = (): boolean => process.env['CI'] === 'true';

/** Checks `tools`; see the top of this file. Throws under CI=true when one is missing. */
export async function requireTool(...tools: ToolName[]): Promise<ToolCheck> {
  const missing: Tool[] = [];
  for (const name of tools) {
    const tool: Tool = TOOLS[name];
    if (!(await tool.isPresent())) missing.push(tool);
  }
  if (missing.length === 0) return { skip: false, title: (title) => title };
  const reasons = missing.map((tool) => tool.missing).join(', ');
  if (inCi()) {
    throw new Error(`CI=true needs every tool, but: ${reasons}. Install: ${missing.map((tool) => tool.install).join('; ')}`);
  }
  return { skip: true, title: (title) => `${title} (skipped: ${reasons})` };
}
