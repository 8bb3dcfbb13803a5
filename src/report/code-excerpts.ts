import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A piece of the source between `// #region report:<name>` and `// #endregion report:<name>`. */
export interface CodeExcerpt {
  name: string;
  file: string;
  /** 1-based line of the first line shown. */
  startLine: number;
  text: string;
  /** What the region is for, from its opening marker. */
  why: string;
}

/** The regions the report shows in section 2.1, in the order it shows them. */
export const REPORT_REGIONS = [
  { name: 'framing', file: 'src/protocol/line-decoder.ts' },
  { name: 'parse-request', file: 'src/protocol/request.ts' },
  { name: 'broadcast', file: 'src/server/router.ts' },
  { name: 'client-send', file: 'src/client/connection.ts' },
] as const;

/**
 * Reads a marked region from a source file, so the report quotes the code as it is now (never a
 * stale copy). A missing or unclosed marker is an error: the report must not silently lose it.
 */
export async function readExcerpt(root: string, file: string, name: string): Promise<CodeExcerpt> {
  const lines = (await readFile(join(root, file), 'utf8')).split('\n');
  const open = lines.findIndex((line) => line.trim().startsWith(`// #region report:${name}`));
  const close = lines.findIndex((line, i) => i > open && line.trim() === `// #endregion report:${name}`);
  if (open === -1 || close === -1) throw new Error(`${file}: no "#region report:${name}" ... "#endregion report:${name}" markers`);
  const body = lines.slice(open + 1, close);
  const indent = Math.min(...body.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  const why = /\((.*)\)\s*$/.exec(lines[open]!)?.[1] ?? '';
  return { name, file, startLine: open + 2, text: body.map((l) => l.slice(indent)).join('\n'), why };
}
