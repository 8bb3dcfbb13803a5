/**
 * The client's piped-output line format (the lab's contract), in one place: the client writes
 * it, the scenario runner and the lab tools read it back.
 *
 *   HH:MM:SS.mmm > <line sent>
 *   HH:MM:SS.mmm < <line received, control characters escaped>
 *   HH:MM:SS.mmm * <local notice>
 */
export const TRANSCRIPT_MARK = {
  sent: '>',
  received: '<',
  notice: '*',
} as const;

export type TranscriptKind = keyof typeof TRANSCRIPT_MARK;

export interface TranscriptEntry {
  /** Local wall-clock time as printed, `HH:MM:SS.mmm`. */
  time: string;
  kind: TranscriptKind;
  text: string;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local time of day with milliseconds: `14:03:27.051`. */
export function formatClock(date: Date): string {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** One transcript line, without its LF. `text` must already be escaped for a terminal. */
export function formatTranscriptLine(entry: TranscriptEntry): string {
  return `${entry.time} ${TRANSCRIPT_MARK[entry.kind]} ${entry.text}`;
}

const LINE = /^(\d{2}:\d{2}:\d{2}\.\d{3}) ([<>*]) (.*)$/;
const KIND_BY_MARK = new Map<string, TranscriptKind>(
  Object.entries(TRANSCRIPT_MARK).map(([kind, mark]) => [mark, kind as TranscriptKind]),
);

/** Reads one transcript line back; undefined when the line is not in the format. */
export function parseTranscriptLine(line: string): TranscriptEntry | undefined {
  const match = LINE.exec(line);
  if (!match) return undefined;
  return { time: match[1]!, kind: KIND_BY_MARK.get(match[2]!)!, text: match[3]! };
}
