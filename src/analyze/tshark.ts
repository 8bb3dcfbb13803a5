import { spawn } from 'node:child_process';
import { access, constants, open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { makeTsharkHome, tsharkUser } from './tshark-home.js';

/** The dissector shipped with the project (dist/analyze and src/analyze are both two levels deep). */
export const DISSECTOR_PATH = fileURLToPath(new URL('../../wireshark/chatmsg.lua', import.meta.url));

/** tshark is looked up on PATH unless TSHARK names the program. */
export const tsharkProgram = (): string => process.env['TSHARK'] || 'tshark';

export const TSHARK_INSTALL_HINT = [
  'install Wireshark\'s command-line tool tshark:',
  '  Debian/Ubuntu: sudo apt-get install tshark',
  '  macOS: brew install --cask wireshark (or add /Applications/Wireshark.app/Contents/MacOS to PATH)',
  '  Windows: install Wireshark from https://www.wireshark.org and add C:\\Program Files\\Wireshark to PATH',
  'or set TSHARK to the program\'s full path',
].join('\n');

/** A failure the user can fix (missing tool, unreadable file); its message is shown as is. */
export class AnalyzeError extends Error {
  override name = 'AnalyzeError';
}

export interface TsharkOptions {
  /** The CHAT-MSG server port (the dissector's port preference); other ports rely on its heuristic. */
  port?: number | undefined;
  /** A display filter (`-Y`). */
  filter?: string | undefined;
  /** More preferences, `name:value` (`chatmsg.heuristic:FALSE`, `tls.keylog_file:keys.log`). */
  prefs?: string[] | undefined;
  /** Decode-as rules (`-d`), e.g. `tcp.port==5151,tls` for a TLS capture on the chat port. */
  decodeAs?: string[] | undefined;
  /**
   * A TLS key log (SSLKEYLOGFILE format) to decrypt TLS with. tshark gets a private copy, which the
   * user it runs as can read; a `tls.keylog_file:` preference in `prefs` is taken as this.
   */
  keylog?: string | undefined;
}

/**
 * The common arguments: the capture (`-` is standard input), the dissector, its port preference,
 * TCP reassembly (also out of order) on.
 */
export function tsharkArgs(pcap: string, dissector: string, options: TsharkOptions = {}): string[] {
  // Out-of-order reassembly: a capture on a busy multi-core machine can record a segment after
  // the one that follows it; without it TCP would not hand those bytes to the dissector.
  const args = [
    '-r', pcap, '-n', '-X', `lua_script:${dissector}`,
    '-o', 'tcp.desegment_tcp_streams:TRUE', '-o', 'tcp.reassemble_out_of_order:TRUE',
  ];
  if (options.port !== undefined) args.push('-o', `chatmsg.port:${options.port}`);
  for (const pref of options.prefs ?? []) args.push('-o', pref);
  if (options.keylog !== undefined) args.push('-o', `tls.keylog_file:${options.keylog}`);
  for (const rule of options.decodeAs ?? []) args.push('-d', rule);
  if (options.filter !== undefined) args.push('-Y', options.filter);
  return args;
}

const MAX_OUTPUT = 512 * 1024 * 1024;
const KEYLOG_PREF = 'tls.keylog_file:';

/** The key log to copy (the option, else the last `tls.keylog_file:` preference) and the other preferences. */
function keylogOf(options: TsharkOptions): { keylog: string | undefined; prefs: string[] } {
  const all = options.prefs ?? [];
  const prefs = all.filter((pref) => !pref.startsWith(KEYLOG_PREF));
  const fromPrefs = all.filter((pref) => pref.startsWith(KEYLOG_PREF)).at(-1)?.slice(KEYLOG_PREF.length);
  return { keylog: options.keylog ?? fromPrefs, prefs };
}

/**
 * Runs tshark on a capture file and returns its stdout. Missing tshark, a missing or unreadable
 * file and tshark's own refusals become an AnalyzeError with a message that says what to do.
 *
 * tshark runs in a private home (see makeTsharkHome) so the result does not depend on who runs it.
 * As root it runs as an unprivileged user (tsharkUser: Wireshark 4.2+ loads no Lua script for
 * root). It reads the capture from standard input, opened here.
 */
export async function runTshark(pcap: string, extraArgs: string[], options: TsharkOptions = {}): Promise<string> {
  try {
    await access(pcap, constants.R_OK);
  } catch {
    throw new AnalyzeError(`cannot read capture file ${pcap}: no such file or no permission`);
  }
  const program = tsharkProgram();
  const user = await tsharkUser();
  const { keylog, prefs } = keylogOf(options);
  if (keylog !== undefined) {
    try {
      await access(keylog, constants.R_OK);
    } catch {
      throw new AnalyzeError(`cannot read TLS key log ${keylog}: no such file or no permission`);
    }
  }
  const home = await makeTsharkHome(DISSECTOR_PATH, { keylogSource: keylog, owner: user });
  // Always on standard input: the user tshark runs as needs no right to the file, and a tshark
  // in a chroot (scripts/tshark-trixie.sh) no view of its folder.
  const input = await open(pcap, 'r');
  try {
    const args = [...tsharkArgs('-', home.dissector, { ...options, prefs, keylog: home.keylog }), ...extraArgs];
    const { stdout, stderr, error, code } = await collect(program, args, home.env, user, input.fd);
    const spawnCode = (error as NodeJS.ErrnoException | undefined)?.code;
    if (spawnCode === 'ENOENT') throw new AnalyzeError(`tshark not found (looked for "${program}")\n${TSHARK_INSTALL_HINT}`);
    if (spawnCode === 'EACCES') {
      // As root, tshark runs as another user, who may not search every PATH folder or run the file.
      const who = user ? ` by uid ${user.uid}, the unprivileged user tshark runs as when you are root` : '';
      throw new AnalyzeError(`tshark not found or not allowed to run${who} (looked for "${program}")\n${TSHARK_INSTALL_HINT}`);
    }
    if (error || code !== 0) {
      const why = stderr.split('\n').filter((l) => l && !l.startsWith('Running as user')).join(' ').trim()
        .replaceAll('"-"', `"${pcap}"`);
      throw new AnalyzeError(`tshark could not read ${pcap}: ${why || error?.message || `exit ${code}`}`);
    }
    return stdout;
  } finally {
    await input.close();
    await home.remove();
  }
}

interface Collected {
  stdout: string;
  stderr: string;
  code: number | null;
  error?: Error;
}

/** Runs the program to the end and keeps what it printed (stdout up to MAX_OUTPUT bytes). */
function collect(
  program: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  user: { uid: number; gid: number } | undefined,
  stdinFd: number,
): Promise<Collected> {
  return new Promise((resolve) => {
    const child = spawn(program, args, {
      env,
      stdio: [stdinFd, 'pipe', 'pipe'],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let failure: Error | undefined;
    child.stdout!.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT) {
        failure ??= new Error(`tshark printed more than ${MAX_OUTPUT} bytes`);
        child.kill();
      } else {
        out.push(chunk);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      failure ??= error;
    });
    child.on('close', (code) => {
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
        ...(failure ? { error: failure } : {}),
      });
    });
  });
}
