import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { tsharkProgram } from '../../../src/analyze/tshark.js';
import { tsharkUser } from '../../../src/analyze/tshark-home.js';

/**
 * Runs tshark as a student would, without the analysis's private home: with the environment given
 * (HOME ...), as the user the analysis would run it as (nobody when we are root, since Wireshark
 * 4.2+ loads no Lua for root), the capture (if any) on standard input. Returns stdout.
 */
export async function plainTshark(args: string[], env: NodeJS.ProcessEnv, capture?: string): Promise<string> {
  const user = await tsharkUser();
  const input = capture === undefined ? undefined : await open(capture, 'r');
  try {
    return await new Promise<string>((resolve, reject) => {
      const child = spawn(tsharkProgram(), capture === undefined ? args : ['-r', '-', ...args], {
        env,
        stdio: [input?.fd ?? 'ignore', 'pipe', 'ignore'],
        ...(user ?? {}),
      });
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.on('error', reject).on('close', () => resolve(out));
    });
  } finally {
    await input?.close();
  }
}
