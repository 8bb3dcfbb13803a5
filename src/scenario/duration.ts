const DURATION = /^(\d+(?:\.\d+)?)(ms|s)$/;

/** `200ms`, `2s` or `1.5s` in milliseconds; undefined for anything else (no unit, negative, empty). */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * (match[2] === 's' ? 1000 : 1);
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}
