import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type * as LocalServerModuleType from '../../src/scenario/local-server.js';
import { SERVER_NODE_FLAGS } from '../../src/server/node-flags.js';

type LocalServerModule = typeof LocalServerModuleType;

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

describe('the server node flags', () => {
  it('are passed by the launchers that are not TypeScript: npm run server and the Azure unit', () => {
    const serverScript = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.server!;
    const execStart = read('infra/azure/chatmsg-server.service').split('\n').find((line) => line.startsWith('ExecStart='))!;
    for (const flag of SERVER_NODE_FLAGS) {
      expect(serverScript).toContain(`node ${flag} dist/cli/server.js`);
      expect(execStart).toContain(`node ${flag} `);
    }
  });

  it('reach the server the scenario runner starts, and its evidence names them', async () => {
    // The built module: its server entry is resolved next to it, in dist/.
    const { startLocalServer } = (await import(new URL('dist/scenario/local-server.js', root).href)) as LocalServerModule;
    const server = await startLocalServer([]);
    try {
      expect(server.command).toBe(`node ${SERVER_NODE_FLAGS.join(' ')} dist/cli/server.js 0 --host 127.0.0.1`);
    } finally {
      await server.stop();
    }
  });
});
