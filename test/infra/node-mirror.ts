import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * A local stand-in for the Node.js release site, laid out like it (`latest-v<major>.x/SHASUMS256.txt`
 * and the linux tarball), holding this test's own node binary. provision.sh downloads from it through
 * NODE_DIST_URL, so its download, checksum and install steps run for real without the Internet.
 */
export interface NodeMirror {
  url: string;
  version: string;
  close(): Promise<void>;
}

interface NodeRelease {
  name: string;
  tarball: string;
  sha256: string;
}

let release: Promise<NodeRelease> | undefined;

/** The tarball, made once per test file: a fast xz level, the binary is 100 MB. */
function nodeRelease(): Promise<NodeRelease> {
  release ??= (async () => {
    const name = `node-${process.version}-linux-x64`;
    const root = await makeTempDir('chatmsg-node-mirror-');
    await mkdir(join(root, name, 'bin'), { recursive: true });
    await execa('cp', [process.execPath, join(root, name, 'bin', 'node')]);
    const tarball = join(root, `${name}.tar.xz`);
    await execa('tar', ['-cJf', tarball, '-C', root, name], { env: { XZ_OPT: '-0 -T0' } });
    const sha256 = createHash('sha256').update(await readFile(tarball)).digest('hex');
    return { name, tarball, sha256 };
  })();
  return release;
}

export async function startNodeMirror(
  { host, major, corruptChecksum = false }: { host: string; major: string; corruptChecksum?: boolean },
): Promise<NodeMirror> {
  const { name, tarball, sha256 } = await nodeRelease();
  const hash = corruptChecksum ? createHash('sha256').update('not the tarball').digest('hex') : sha256;
  const version = process.version;
  // The real file lists every build; the script must pick its own platform's line.
  const shasums =
    `${'0'.repeat(64)}  node-${version}-darwin-arm64.tar.gz\n${hash}  ${name}.tar.xz\n` +
    `${'1'.repeat(64)}  node-${version}-linux-arm64.tar.xz\n`;
  const server = createServer((request, response) => {
    if (request.url === `/latest-v${major}.x/SHASUMS256.txt`) {
      response.writeHead(200).end(shasums);
    } else if (request.url === `/latest-v${major}.x/${name}.tar.xz`) {
      readFile(tarball).then(
        (body) => response.writeHead(200).end(body),
        () => response.writeHead(500).end(),
      );
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://${host}:${port}`,
    version,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
