import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits until `condition` holds, checking every `intervalMs`; throws after `timeoutMs` with `what`
 * (and `detail()`, e.g. the log so far). For conditions nothing signals (a log line on a pipe, a
 * process's output): a test waits on the condition, never for a fixed time.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  { timeoutMs = 10_000, intervalMs = 20, detail = () => '' }: { timeoutMs?: number; intervalMs?: number; detail?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n${detail()}`);
    await sleep(intervalMs);
  }
}
