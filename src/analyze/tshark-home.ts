import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
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

/** A private home for one tshark run: its own config folder and a copy of the dissector. */
export interface TsharkHome {
  /** The dissector to pass to `-X lua_script:` (readable by the user tshark runs as). */
  dissector: string;
  /** The environment for tshark: HOME and the config folders point into the private home. */
  env: NodeJS.ProcessEnv;
  remove(): Promise<void>;
}

/**
 * Makes the private home. A student who installed chatmsg.lua in the personal plugins folder (as
 * wireshark/README.md explains) would otherwise load it twice, the older copy winning; their own
 * preferences and profiles would change what the analysis sees; and an unprivileged tshark could
 * not read root's files. With HOME, XDG_CONFIG_HOME, WIRESHARK_CONFIG_DIR and (Windows) APPDATA in
 * the private folder, tshark starts from its defaults plus the `-o` options we give it.
 */
export async function makeTsharkHome(dissectorSource: string, env: NodeJS.ProcessEnv = process.env): Promise<TsharkHome> {
  const dir = await mkdtemp(join(tmpdir(), 'chatmsg-tshark-'));
  try {
    // mkdtemp makes the folder 0700; the user tshark may run as needs to read the dissector.
    await chmod(dir, 0o755);
    const config = join(dir, 'config');
    await mkdir(config);
    const dissector = join(dir, 'chatmsg.lua');
    await copyFile(dissectorSource, dissector);
    await chmod(dissector, 0o644);
    return {
      dissector,
      env: { ...env, HOME: dir, XDG_CONFIG_HOME: config, WIRESHARK_CONFIG_DIR: config, APPDATA: dir },
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
