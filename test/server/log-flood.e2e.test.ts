import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server-process.js';
import { LineSocket } from './line-socket.js';

/** Short bad lines as a fuzzer makes them: junk bytes, bad UTF-8, control characters, unknown verbs, bad ids, verbs out of state. */
const shortBadLine: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.from(bytes.map((b) => (b === 10 ? 0x7f : b)))),
  fc.string({ minLength: 1, maxLength: 60 }).map((text) => Buffer.from(`FROB${text.replaceAll('\n', ' ')}`)),
  fc
    .constantFrom('MSG', 'LOGIN', 'LOGIN a b c', 'LOGIN ALL', 'MSG bob', 'MSG bob hi', 'LIST', 'LOGOFF x', 'KEYS x', 'EMSG x 0 AA', 'REGISTER x y', 'PROVE x')
    .map((text) => Buffer.from(text)),
);
/** The same with over-long lines among them. */
const badLine = fc.oneof(shortBadLine, fc.integer({ min: 5000, max: 9000 }).map((size) => Buffer.alloc(size, 0x41)));

/** Sends `count` lines of `arbitrary` to a fresh server with --rate-limit 0; the log bytes it wrote for them, the input bytes, the answers. */
async function flood(arbitrary: fc.Arbitrary<Buffer>, count: number) {
  const server = await startServer(['--rate-limit', '0']);
  const client = await LineSocket.connect(server.port);
  await client.waitFor(/^HELLO /);
  const before = server.log().length;
  const lines = fc.sample(arbitrary, { numRuns: count, seed: 13 });
  const input = Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')]));
  client.send(input);
  // The server answered everything once the PONG after it arrives.
  await client.request('PING flood-done', 'PONG flood-done', 120_000);
  client.destroy();
  await server.stop();
  const log = server.log().slice(before);
  return { log, input: input.length, errors: client.lines.filter((line) => line.startsWith('ERR ')).length };
}

describe('the log under a flood of bad lines (real server process, --rate-limit 0)', () => {
  it('summarises short bad lines instead of logging each: under 5 log bytes per 1000 input bytes', async () => {
    const { log, input, errors } = await flood(shortBadLine, 100_000);
    expect(input).toBeGreaterThan(500_000);
    expect(log.length / input, `${log.length} log bytes for ${input} input bytes:\n${log.slice(0, 3000)}`).toBeLessThan(0.005);
    expect(log).toMatch(/ summary \d+ more bad lines from 127\.0\.0\.1:\d+ suppressed\n/);
    // The lines were still answered (a junk line of blanks is ignored like an empty one, a fuzzed one may even be valid).
    expect(errors).toBeGreaterThan(0.99 * 100_000);
  }, 180_000);

  it('and over-long lines among them: under 0.2 log bytes per 1000 input bytes', async () => {
    const { log, input, errors } = await flood(badLine, 20_000);
    expect(input).toBeGreaterThan(20_000_000);
    expect(log.length / input, `${log.length} log bytes for ${input} input bytes:\n${log.slice(0, 3000)}`).toBeLessThan(0.0002);
    expect(errors).toBeGreaterThan(0.99 * 20_000);
  }, 180_000);
});
