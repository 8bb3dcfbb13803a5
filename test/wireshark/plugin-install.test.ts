import { chmod, copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISSECTOR_PATH } from '../../src/analyze/tshark.js';
import { SEGMENTED_PCAP } from '../analyze/fixture.js';
import { requireTool } from '../helpers/tools.js';
import { plainTshark } from './helpers/plain-tshark.js';

const tshark = await requireTool('tshark');

const README = new URL('../../wireshark/README.md', import.meta.url);

/** The install steps of wireshark/README.md, done for real in a student's home, on this tshark. */
describe.skipIf(tshark.skip)(tshark.title('installing the plugin as wireshark/README.md says (Linux)'), () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'chatmsg-plugin-home-'));
    await chmod(home, 0o755);
  });
  afterAll(() => rm(home, { recursive: true, force: true }));

  it('the README names the folder this tshark reports as "Personal Lua Plugins"', async () => {
    const folders = await plainTshark(['-G', 'folders'], { ...process.env, HOME: home, XDG_CONFIG_HOME: '' });
    const personal = /^Personal Lua Plugins:\s*(.+)$/m.exec(folders)?.[1]?.trim();
    expect(personal).toBe(join(home, '.local/lib/wireshark/plugins'));
    expect(await readFile(README, 'utf8')).toContain('| Linux | `~/.local/lib/wireshark/plugins`');
  });

  it('copied there, tshark loads it without -X and dissects the capture', async () => {
    const folder = join(home, '.local/lib/wireshark/plugins');
    await mkdir(folder, { recursive: true });
    await copyFile(DISSECTOR_PATH, join(folder, 'chatmsg.lua'));
    await chmod(join(home, '.local'), 0o755);
    for (const dir of ['.local/lib', '.local/lib/wireshark', '.local/lib/wireshark/plugins']) await chmod(join(home, dir), 0o755);
    await chmod(join(folder, 'chatmsg.lua'), 0o644);
    const lines = await plainTshark(['-Y', 'chatmsg.verb == "LOGIN"', '-T', 'fields', '-e', 'chatmsg.client_id'], { ...process.env, HOME: home }, SEGMENTED_PCAP);
    expect(lines.trim().split('\n')).toEqual(['alice', 'bob']);
  });
});
