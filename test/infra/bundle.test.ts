import { execa } from 'execa';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeServer } from '../../src/client/health-probe.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { bundleServer, REPO_ROOT } from './azure-helpers.js';

// The one file the VM gets: it must run alone, with nothing of the repository around it.
describe('npm run bundle (scripts/bundle-server.mjs)', () => {
  it('imports nothing but Node built-ins', async () => {
    const code = await readFile(await bundleServer(), 'utf8');
    const specifiers = [...code.matchAll(/\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']/g)].map(
      (match) => match[1] ?? match[2],
    );
    expect(specifiers.length).toBeGreaterThan(0);
    expect(specifiers.filter((specifier) => !specifier!.startsWith('node:'))).toEqual([]);
  });

  it('runs as a CHAT-MSG server from an empty directory', async () => {
    const dir = await makeTempDir('chatmsg-alone-');
    const file = join(dir, 'chatmsg-server.mjs');
    await copyFile(await bundleServer(), file);
    const server = execa('node', [file, '0', '--host', '127.0.0.1'], { cwd: dir, reject: false, buffer: false });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let log = '';
        server.stderr!.on('data', (chunk: Buffer) => {
          log += chunk.toString();
          const match = /listening on [^\s]+:(\d+)/.exec(log);
          if (match) resolve(Number(match[1]));
        });
        server.on('exit', () => reject(new Error(`the bundled server exited:\n${log}`)));
      });
      expect(await probeServer({ host: '127.0.0.1', port, timeoutMs: 5000 })).toMatchObject({ ok: true });
    } finally {
      server.kill('SIGTERM');
      await server;
    }
  });

  it('refuses an unknown option with exit 2', async () => {
    const result = await execa('node', [join(REPO_ROOT, 'scripts', 'bundle-server.mjs'), '--bogus'], { reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^bundle-server: Unknown option '--bogus'/);
  });
});
