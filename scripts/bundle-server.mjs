#!/usr/bin/env node
// Bundles the server (src/cli/server.ts and everything it imports) into ONE self-contained ES module
// for the Azure VM: the cloud-init custom data carries this file, so a fork deploys its own code without
// any registry. Node built-ins stay imports (the server has no runtime npm dependencies by contract).
// Usage: node scripts/bundle-server.mjs [--outfile FILE]   (default dist/bundle/chatmsg-server.mjs)
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The Node major the bundle may rely on: the oldest the project supports (package.json engines). */
const TARGET = 'node20';

let outfile;
try {
  ({
    values: { outfile = `${root}dist/bundle/chatmsg-server.mjs` },
  } = parseArgs({ options: { outfile: { type: 'string' } } }));
} catch (error) {
  process.stderr.write(`bundle-server: ${error.message.split('. ')[0]}\nusage: bundle-server.mjs [--outfile FILE]\n`);
  process.exit(2);
}

const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/server.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: TARGET,
  minify: true,
  // Keep readable names in stack traces from the VM's journal.
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
process.stderr.write(`bundle-server: wrote ${outfile} (${bytes} bytes)\n`);
