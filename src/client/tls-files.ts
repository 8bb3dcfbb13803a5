import { readFile } from 'node:fs/promises';
import { openKeylog } from '../storage/keylog-file.js';
import type { ClientTls } from './connection.js';

/** Reads --ca and opens --keylog; throws a one-line Error naming the file that failed. */
export async function loadClientTls(files: { ca?: string | undefined; keylog?: string | undefined }): Promise<ClientTls> {
  let ca: Buffer | undefined;
  if (files.ca !== undefined) {
    try {
      ca = await readFile(files.ca);
    } catch (error) {
      throw new Error(`cannot read --ca ${files.ca}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
    }
  }
  return { ca, keylog: files.keylog === undefined ? undefined : await openKeylog(files.keylog) };
}
