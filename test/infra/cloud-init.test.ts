import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeTempDir } from '../helpers/temp-dir.js';
import { requireTool } from '../helpers/tools.js';
import { AZURE_DIR, bundleServer, renderCloudInit, REPO_ROOT, writeFilesOf } from './azure-helpers.js';

const cloudInit = await requireTool('cloud-init');
const openssl = await requireTool('openssl');

// The custom data the VM boots with: valid for cloud-init (Debian's cloud-init package validates it),
// and carrying exactly this checkout's server, unit and provisioning script.
let bundle: string;
let rendered: { path: string; text: string };

beforeAll(async () => {
  bundle = await bundleServer();
  rendered = await renderCloudInit(bundle, ['--port', '6161', '--server-options', '--max-clients 50 --log-text']);
});

function schema(path: string) {
  return execa('cloud-init', ['schema', '--config-file', path], { reject: false });
}

describe('cloud-init custom data', () => {
  it.skipIf(cloudInit.skip)(cloudInit.title('passes cloud-init schema'), async () => {
    const result = await schema(rendered.path);
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('Valid cloud-config');
  });

  it.skipIf(cloudInit.skip)(cloudInit.title('cloud-init schema refuses a broken variant (the check can fail)'), async () => {
    const dir = await makeTempDir('chatmsg-cloud-init-');
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, rendered.text.replace("permissions: '0755'", 'permissions: 0755'));
    const result = await schema(broken);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/permissions/);
  });

  // Debian 12's cloud-init ignores unknown top-level keys, so a typo would pass the schema: pin them.
  it('uses only the modules it means to', () => {
    expect(Object.keys(parse(rendered.text))).toEqual(['package_update', 'package_upgrade', 'write_files', 'runcmd']);
  });

  it('writes the bundled server byte for byte, the unit and the provisioning script', async () => {
    const files = new Map(writeFilesOf(parse(rendered.text)).map((file) => [file.path, file]));
    expect(files.get('/opt/chatmsg/chatmsg-server.mjs')!.content.equals(await readFile(bundle))).toBe(true);
    expect(files.get('/etc/systemd/system/chatmsg-server.service')!.content.toString()).toBe(
      await readFile(join(AZURE_DIR, 'chatmsg-server.service'), 'utf8'),
    );
    const provision = files.get('/opt/chatmsg/provision.sh')!;
    expect(provision.content.toString()).toBe(await readFile(join(AZURE_DIR, 'provision.sh'), 'utf8'));
    expect(provision.permissions).toBe('0755');
    expect(files.get('/etc/chatmsg/server.env')!.content.toString()).toBe(
      'CHATMSG_PORT=6161\nCHATMSG_OPTIONS=--max-clients 50 --log-text\nCHATMSG_SECURE_OPTIONS=\nNODE_MAJOR=24\n',
    );
    // Port 6161 needs no capability: the drop-in only names the port.
    expect(files.get('/etc/systemd/system/chatmsg-server.service.d/deploy.conf')!.content.toString()).toBe(
      '# Written by render-cloud-init.sh for port 6161.\n[Service]\n',
    );
    expect([...files.keys()].filter((path) => path.startsWith('/etc/chatmsg/tls/'))).toEqual([]);
  });

  describe.skipIf(openssl.skip)(openssl.title('the secure variant on port 443'), () => {
    let tlsDir: string;
    let secure: { path: string; text: string };
    beforeAll(async () => {
      tlsDir = join(await makeTempDir('chatmsg-tls-'), 'tls');
      await execa(join(REPO_ROOT, 'scripts/make-lab-ca.sh'), [tlsDir, '20.1.2.3']);
      secure = await renderCloudInit(bundle, [
        '--port', '443', '--tls-cert', join(tlsDir, 'server.crt'), '--tls-key', join(tlsDir, 'server.key'),
      ]);
    });

    it.skipIf(cloudInit.skip)(cloudInit.title('passes cloud-init schema'), async () => {
      const result = await schema(secure.path);
      expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
    });

    it('writes the certificate, the key for root only (provision.sh hands it to the service group), never the CA', async () => {
      const files = new Map(writeFilesOf(parse(secure.text)).map((file) => [file.path, file]));
      const cert = files.get('/etc/chatmsg/tls/server.crt')!;
      const key = files.get('/etc/chatmsg/tls/server.key')!;
      expect(cert.content.toString()).toBe(await readFile(join(tlsDir, 'server.crt'), 'utf8'));
      expect(key.content.toString()).toBe(await readFile(join(tlsDir, 'server.key'), 'utf8'));
      expect(key.permissions).toBe('0600');
      expect(secure.text).not.toContain((await readFile(join(tlsDir, 'ca.crt'), 'utf8')).split('\n')[1]);
      expect(files.get('/etc/chatmsg/server.env')!.content.toString()).toContain(
        'CHATMSG_SECURE_OPTIONS=--tls --cert /etc/chatmsg/tls/server.crt --key /etc/chatmsg/tls/server.key --registry /var/lib/chatmsg/registry.json --require-tls-login\n',
      );
      expect(files.get('/etc/systemd/system/chatmsg-server.service.d/deploy.conf')!.content.toString()).toBe(
        '# Written by render-cloud-init.sh for port 443.\n[Service]\nAmbientCapabilities=CAP_NET_BIND_SERVICE\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\n',
      );
    });

    it('--format script carries the same files as a bash script that ends by running provision.sh', async () => {
      const dir = await makeTempDir('chatmsg-script-');
      const script = join(dir, 'reprovision.sh');
      await execa(join(AZURE_DIR, 'render-cloud-init.sh'), [
        '--server-bundle', bundle, '--format', 'script', '--output', script,
        '--port', '443', '--tls-cert', join(tlsDir, 'server.crt'), '--tls-key', join(tlsDir, 'server.key'),
      ]);
      const text = await readFile(script, 'utf8');
      expect((await execa('bash', ['-n', script], { reject: false })).exitCode).toBe(0);
      expect(text).toContain(await readFile(join(tlsDir, 'server.key'), 'utf8'));
      expect(text).toMatch(/^chmod 0600 \/etc\/chatmsg\/tls\/server\.key$/m);
      expect(text.trimEnd().split('\n').slice(-2)).toEqual(['bash /opt/chatmsg/provision.sh', 'echo "chatmsg: re-provisioned"']);
    });
  });

  it('runs the provisioning script once the files are written', () => {
    expect(parse(rendered.text).runcmd).toEqual([['bash', '/opt/chatmsg/provision.sh']]);
  });

  it('stays well under the 64 KB custom data limit', () => {
    expect(Buffer.byteLength(rendered.text)).toBeLessThan(48 * 1024);
  });

  it('refuses to render past the limit, with the size in the message', async () => {
    const dir = await makeTempDir('chatmsg-cloud-init-');
    const huge = join(dir, 'huge.mjs');
    // Random bytes do not compress: the base64 alone passes 64 KB.
    await writeFile(huge, randomBytes(60_000).toString('hex'));
    const result = await execa(join(AZURE_DIR, 'render-cloud-init.sh'), ['--server-bundle', huge], { reject: false });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/custom data is \d+ bytes, over Azure's limit of 65535 bytes/);
    expect(result.stdout).toBe('');
  });

  it.each([
    [['--tls-cert', '/dev/null'], /--tls-cert and --tls-key go together/],
    [['--format', 'yaml'], /bad format 'yaml': expected cloud-init or script/],
    [['--server-options', '--max-clients 5; reboot'], /bad server options/],
    [['--port', '0'], /bad port '0'/],
    [['--node-major', 'lts'], /bad Node.js major version/],
  ])('refuses %j with exit 2', async (args, message) => {
    const result = await execa(join(AZURE_DIR, 'render-cloud-init.sh'), ['--server-bundle', bundle, ...args], {
      reject: false,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('refuses a certificate or key that is not PEM, with exit 1', async () => {
    const result = await execa(
      join(AZURE_DIR, 'render-cloud-init.sh'),
      ['--server-bundle', bundle, '--tls-cert', bundle, '--tls-key', bundle],
      { reject: false },
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^render-cloud-init: error: no PEM certificate at .* \(scripts\/make-lab-ca\.sh makes one\)$/m);
  });
});
