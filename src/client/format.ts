import { parseServerLine, type ServerPdu } from '../protocol/index.js';
import { formatTranscriptLine, TRANSCRIPT_MARK, type TranscriptEntry } from './transcript.js';

const ANSI = {
  reset: '\x1b[0m',
  dim: '\x1b[2m',
  bold: '\x1b[1m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
} as const;

/** Colour of a server line, by the kind of PDU it is. */
const COLOUR_BY_KIND: Record<ServerPdu['kind'], string> = {
  HELLO: ANSI.dim,
  OK: ANSI.green,
  ERR: ANSI.red,
  MSG: ANSI.bold + ANSI.cyan,
  JOINED: ANSI.yellow,
  LEFT: ANSI.yellow,
  PONG: ANSI.dim,
  BYE: ANSI.magenta,
  CHALLENGE: ANSI.dim,
  EMSG: ANSI.bold + ANSI.magenta,
  UNKNOWN: '',
};

/**
 * Colours only on a terminal, and never when NO_COLOR is set to anything but the empty
 * string (https://no-color.org).
 */
export function shouldUseColour(isTTY: boolean | undefined, env: Record<string, string | undefined>): boolean {
  return isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

/**
 * A transcript entry for people: the contract's plain line, or on a colour terminal the same
 * text with the time dimmed and the line coloured by kind. `text` must already be escaped.
 */
export function formatForPeople(entry: TranscriptEntry, colour: boolean): string {
  if (!colour) return formatTranscriptLine(entry);
  const lineColour =
    entry.kind === 'received' ? COLOUR_BY_KIND[parseServerLine(entry.text).kind] : entry.kind === 'notice' ? ANSI.dim : ANSI.bold;
  const line = `${TRANSCRIPT_MARK[entry.kind]} ${entry.text}`;
  const body = lineColour === '' ? line : `${lineColour}${line}${ANSI.reset}`;
  return `${ANSI.dim}${entry.time}${ANSI.reset} ${body}`;
}
