import { execFile } from 'node:child_process';
import { chmod, chown, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The account tshark runs as when we are root. */
export interface TsharkUser {
  uid: number;
  gid: number;
}

/**
 * Whom to run tshark as. Wireshark 4.2 and later load no user Lua script (`-X lua_script:`, the
 * personal plugins folder) for root, and no longer ship the init.lua that let root do it: as root
 * the dissector would silently not load. So root runs tshark as the person behind sudo
 * (SUDO_UID/SUDO_GID), else as `nobody`. Anyone else runs it as themselves (undefined).
 */
export async function tsharkUser(
  uid: number | undefined = process.getuid?.(),
  env: NodeJS.ProcessEnv = process.env,
): Promise<TsharkUser | undefined> {
  if (uid !== 0) return undefined;
  const sudoUid = Number(env['SUDO_UID']);
  const sudoGid = Number(env['SUDO_GID']);
  if (Number.isInteger(sudoUid) && sudoUid > 0 && Number.isInteger(sudoGid) && sudoGid > 0) return { uid: sudoUid, gid: sudoGid };
  return nobody();
}

let nobodyAccount: Promise<TsharkUser> | undefined;

/** The `nobody` account (65534 on Linux, -2 on macOS): looked up once with id(1). */
function nobody(): Promise<TsharkUser> {
  const run = promisify(execFile);
  const id = async (flag: string, fallback: number) => {
    try {
      const value = Number((await run('id', [flag, 'nobody'])).stdout.trim());
      return Number.isInteger(value) ? value : fallback;
    } catch {
      return fallback;
    }
  };
  nobodyAccount ??= Promise.all([id('-u', 65534), id('-g', 65534)]).then(([uid, gid]) => ({ uid, gid }));
  return nobodyAccount;
}

/** A private home for one tshark run: its own config folder and copies of the files tshark reads. */
export interface TsharkHome {
  /** The dissector to pass to `-X lua_script:`. */
  dissector: string;
  /** The TLS key log to pass to `-o tls.keylog_file:`, when one was given. */
  keylog?: string;
  /** The environment for tshark: HOME and the config folders point into the private home. */
  env: NodeJS.ProcessEnv;
  remove(): Promise<void>;
}

/**
 * Makes the private home, owned by the user tshark runs as (`owner`, when that is not us) and
 * closed to everyone else: it holds a copy of the dissector and of the TLS key log (a secret), so
 * that user can read them wherever the originals are.
 *
 * A student who installed chatmsg.lua in the personal plugins folder (as wireshark/README.md
 * explains) would otherwise load it twice, the older copy winning; their own preferences and
 * profiles would change what the analysis sees; and an unprivileged tshark could not read root's
 * files. With HOME, XDG_CONFIG_HOME, WIRESHARK_CONFIG_DIR and (Windows) APPDATA in the private
 * folder, tshark starts from its defaults plus the `-o` options we give it.
 */
export async function makeTsharkHome(
  dissectorSource: string,
  { keylogSource, owner, env = process.env }: { keylogSource?: string | undefined; owner?: TsharkUser | undefined; env?: NodeJS.ProcessEnv } = {},
): Promise<TsharkHome> {
  const dir = await mkdtemp(join(tmpdir(), 'chatmsg-tshark-'));
  try {
    const config = join(dir, 'config');
    await mkdir(config);
    const dissector = join(dir, 'chatmsg.lua');
    await copyFile(dissectorSource, dissector);
    const keylog = keylogSource === undefined ? undefined : join(dir, 'tls.keylog');
    if (keylog) await copyFile(keylogSource!, keylog);
    const files = [dissector, ...(keylog ? [keylog] : [])];
    // copyFile keeps the source's mode (a 0644 key log stays readable to all): closed explicitly.
    for (const file of files) await chmod(file, 0o600);
    if (owner) {
      for (const path of [dir, config, ...files]) await chown(path, owner.uid, owner.gid);
    }
    return {
      dissector,
      ...(keylog ? { keylog } : {}),
      env: { ...env, HOME: dir, XDG_CONFIG_HOME: config, WIRESHARK_CONFIG_DIR: config, APPDATA: dir },
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
