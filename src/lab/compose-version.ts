/**
 * Which Compose answered, read from its own version string: `docker-compose version 1.29.2,
 * build ...` (v1, Python), `Docker Compose version v2.29.1` or `v5.0.0` (the Go rewrite, as the
 * `docker compose` plugin or as a standalone `docker-compose`), or a distribution's build
 * (`2.24.6+ds1-0ubuntu1~22.04.1`). How it is invoked says nothing about which it is.
 */
export interface ComposeVersion {
  /** As the tool prints it, without a leading `v`: `1.29.2`, `2.29.2-desktop.2`, `5.0.0`. */
  version: string;
  /** 1 (Python, end of life), 2 or 5 (Go): the first number of the version. */
  major: number;
}

/** A version on the line that says "version", e.g. `version v2.29.2-desktop.2` or `version 1.29.2,`. */
const VERSION_LINE = /\bversion:? v?(\d+)\.(\d+)\.(\d+)([-+~.\w]*)/i;

/** Parses the output of `docker compose version` / `docker-compose version`; undefined when it names no version. */
export function parseComposeVersion(output: string): ComposeVersion | undefined {
  for (const line of output.split('\n')) {
    if (!/compose/i.test(line)) continue;
    const match = VERSION_LINE.exec(line);
    if (!match) continue;
    const [, major = '', minor, patch, suffix = ''] = match;
    return { version: `${major}.${minor}.${patch}${suffix}`, major: Number(major) };
  }
  return undefined;
}
