import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

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
}

/** The common arguments: our dissector, its port preference, TCP reassembly (also out of order) on. */
export function tsharkArgs(pcap: string, options: TsharkOptions = {}): string[] {
  // Out-of-order reassembly: a capture on a busy multi-core machine can record a segment after
  // the one that follows it; without it TCP would not hand those bytes to the dissector.
  const args = [
    '-r', pcap, '-n', '-X', `lua_script:${DISSECTOR_PATH}`,
    '-o', 'tcp.desegment_tcp_streams:TRUE', '-o', 'tcp.reassemble_out_of_order:TRUE',
  ];
  if (options.port !== undefined) args.push('-o', `chatmsg.port:${options.port}`);
  for (const pref of options.prefs ?? []) args.push('-o', pref);
  for (const rule of options.decodeAs ?? []) args.push('-d', rule);
  if (options.filter !== undefined) args.push('-Y', options.filter);
  return args;
}

/**
 * Runs tshark on a capture file and returns its stdout. Missing tshark, a missing or unreadable
 * file and tshark's own refusals become an AnalyzeError with a message that says what to do.
 */
export async function runTshark(pcap: string, extraArgs: string[], options: TsharkOptions = {}): Promise<string> {
  try {
    await access(pcap, constants.R_OK);
  } catch {
    throw new AnalyzeError(`cannot read capture file ${pcap}: no such file or no permission`);
  }
  const program = tsharkProgram();
  return new Promise((resolve, reject) => {
    execFile(
      program,
      [...tsharkArgs(pcap, options), ...extraArgs],
      { maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new AnalyzeError(`tshark not found (looked for "${program}")\n${TSHARK_INSTALL_HINT}`));
        } else if (error) {
          const why = stderr.split('\n').filter((l) => l && !l.startsWith('Running as user')).join(' ').trim();
          reject(new AnalyzeError(`tshark could not read ${pcap}: ${why || error.message}`));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}
