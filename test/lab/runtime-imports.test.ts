import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The lab's runtime image carries dist/ without node_modules: everything its containers run
 * (server, client, agent, runner) must import Node built-ins only, or the container dies at start.
 */
const ENTRIES = ['server', 'client', 'lab-agent', 'lab-runner'].map((name) =>
  fileURLToPath(new URL(`../../src/cli/${name}.ts`, import.meta.url)),
);

describe('runtime image entry points', () => {
  it.each(ENTRIES)('%s imports only node: built-ins', async (entry) => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    });
    const external = Object.values(result.metafile.outputs)
      .flatMap((output) => output.imports)
      .filter((item) => item.external)
      .map((item) => item.path);
    expect(external.filter((path) => !path.startsWith('node:'))).toEqual([]);
  });
});
