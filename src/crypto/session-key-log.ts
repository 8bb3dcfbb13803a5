import { appendFileSync } from 'node:fs';

/**
 * The E2E key log (CHATMSG_E2E_KEYLOG), a debugging aid for the lab report like TLS's key log:
 * one line per session, `E2E <from> <to> <ephemeral-hex> <key-hex>`, the AES-256 key of the
 * messages from <from> to <to> whose payload starts with that ephemeral key. Written by the
 * sender when it starts a session and by the recipient when it accepts one. Anyone holding it
 * reads those messages. Appended synchronously so the line is there before the message is sent.
 */
export function sessionKeyLogLine(from: string, to: string, ephemeral: Uint8Array, key: Uint8Array): string {
  return `E2E ${from} ${to} ${Buffer.from(ephemeral).toString('hex')} ${Buffer.from(key).toString('hex')}`;
}

export function appendSessionKey(file: string, line: string): void {
  appendFileSync(file, `${line}\n`, { mode: 0o600 });
}
