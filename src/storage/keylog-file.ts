import { createWriteStream } from 'node:fs';

/**
 * Opens a TLS key log for appending (mode 0600: it holds the secrets of every session) and
 * returns the writer for Node's `keylog` events, whose lines already end in LF. NSS key log
 * format, which Wireshark and tshark read (`-o tls.keylog_file:<file>`).
 */
export async function openKeylog(path: string): Promise<(line: Buffer) => void> {
  const stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (error: NodeJS.ErrnoException) => reject(new Error(`cannot open key log ${path}: ${error.code ?? error.message}`)));
  });
  return (line) => stream.write(line);
}
