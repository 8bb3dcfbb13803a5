import { execa } from 'execa';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFieldRows } from '../../src/analyze/field-rows.js';
import { DISSECTOR_PATH } from '../../src/analyze/tshark.js';
import { makeTsharkHome, tsharkUser } from '../../src/analyze/tshark-home.js';
import { requireTool } from '../helpers/tools.js';
import { plainTshark } from '../wireshark/helpers/plain-tshark.js';
import { SEGMENTED_PCAP } from './fixture.js';

const ANALYZE_BIN = fileURLToPath(new URL('../../dist/cli/analyze.js', import.meta.url));
const tshark = await requireTool('tshark');
const asRootAndUser = await requireTool('tshark', 'root');

describe('whom tshark runs as', () => {
  it('runs it as the caller unless the caller is root', async () => {
    expect(await tsharkUser(1000, {})).toBeUndefined();
    expect(await tsharkUser(1000, { SUDO_UID: '0', SUDO_GID: '0' })).toBeUndefined();
  });

  it('runs it as the person behind sudo when root came from sudo', async () => {
    expect(await tsharkUser(0, { SUDO_UID: '1001', SUDO_GID: '1002' })).toEqual({ uid: 1001, gid: 1002 });
  });

  it('runs it as nobody when root did not come from sudo, or sudo was root itself or is garbled', async () => {
    const nobody = { uid: Number((await execa('id', ['-u', 'nobody'])).stdout), gid: Number((await execa('id', ['-g', 'nobody'])).stdout) };
    expect(nobody.uid).not.toBe(0);
    for (const env of [{}, { SUDO_UID: '0', SUDO_GID: '0' }, { SUDO_UID: 'x', SUDO_GID: '5' }, { SUDO_UID: '1000' }]) {
      expect(await tsharkUser(0, env), JSON.stringify(env)).toEqual(nobody);
    }
  });
});

describe.skipIf(tshark.skip)(tshark.title('tshark runs in a private home, so the user\'s own Wireshark settings do not change the analysis'), () => {
  let home: string;
  const saved = { HOME: process.env['HOME'], XDG_CONFIG_HOME: process.env['XDG_CONFIG_HOME'] };

  beforeAll(async () => {
    // A student's Wireshark that has CHAT-MSG switched off (Analyze > Enabled Protocols).
    home = await mkdtemp(join(tmpdir(), 'chatmsg-student-home-'));
    await mkdir(join(home, '.config', 'wireshark'), { recursive: true });
    await writeFile(join(home, '.config', 'wireshark', 'disabled_protos'), 'chatmsg\n');
    await chmod(home, 0o755);
  });
  afterAll(async () => {
    Object.assign(process.env, saved);
    await rm(home, { recursive: true, force: true });
  });

  it('the planted setting works when tshark reads that home (a test of the test)', async () => {
    const private_ = await makeTsharkHome(DISSECTOR_PATH, { owner: await tsharkUser() });
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
      delete env['WIRESHARK_CONFIG_DIR'];
      const args = ['-X', `lua_script:${private_.dissector}`, '-Y', 'chatmsg', '-T', 'fields', '-e', 'frame.number'];
      expect(await plainTshark(args, env, SEGMENTED_PCAP)).toBe('');
    } finally {
      await private_.remove();
    }
  });

  it('still finds every PDU with that home as HOME', async () => {
    Object.assign(process.env, { HOME: home, XDG_CONFIG_HOME: join(home, '.config') });
    const rows = await readFieldRows(SEGMENTED_PCAP, ['chatmsg.line'], { filter: 'chatmsg' });
    Object.assign(process.env, saved);
    expect(rows.length).toBeGreaterThan(20);
  });
});

describe('the private home holds copies of secrets (a TLS key log): only the user tshark runs as may read them', () => {
  it('is closed to group and others, and belongs to that user', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chatmsg-keylog-'));
    const keylog = join(dir, 'server.keylog');
    await writeFile(keylog, 'CLIENT_TRAFFIC_SECRET_0 00 11\n');
    const owner = await tsharkUser();
    const home = await makeTsharkHome(DISSECTOR_PATH, { keylogSource: keylog, owner });
    try {
      expect(await readFile(home.keylog!, 'utf8')).toBe('CLIENT_TRAFFIC_SECRET_0 00 11\n');
      for (const path of [dirname(home.keylog!), home.keylog!, home.dissector]) {
        const info = await stat(path);
        expect(info.mode & 0o077, path).toBe(0);
        expect(info.uid, path).toBe(owner?.uid ?? process.getuid?.());
      }
    } finally {
      await home.remove();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(asRootAndUser.skip)(asRootAndUser.title('the same report as root and as a normal user'), () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chatmsg-as-user-'));
    await chmod(dir, 0o777);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('npm run analyze as root and as nobody prints the same report, with every PDU', async () => {
    const report = async (name: string, prefix: string[]) => {
      const out = join(dir, `${name}.md`);
      const args = [...prefix, process.execPath, ANALYZE_BIN, SEGMENTED_PCAP, '--out', out];
      const result = await execa(args[0]!, args.slice(1), { reject: false, env: { HOME: dir } });
      expect(result.exitCode, result.stderr).toBe(0);
      return (await readFile(out, 'utf8')).replaceAll(name, 'NAME');
    };
    const root = await report('root', []);
    const user = await report('user', ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups']);
    expect(user).toBe(root);
    expect(root).toContain('MSG ALL hello everyone');
  });
});
