import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server-process.js';
import { LineSocket } from './line-socket.js';

/** Bad request lines as a fuzzer makes them: junk bytes, bad UTF-8, control characters, unknown verbs, bad ids, over-long lines. */
const badLine: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.from(bytes.map((b) => (b === 10 ? 0x7f : b)))),
  fc.string({ minLength: 1, maxLength: 60 }).map((text) => Buffer.from(`FROB${text.replaceAll('\n', ' ')}`)),
  fc.constantFrom('MSG', 'LOGIN', 'LOGIN a b c', 'LOGIN ALL', 'MSG bob', 'LOGOFF x', 'EMSG x 0 AA', 'REGISTER x y').map((text) => Buffer.from(text)),
  fc.integer({ min: 5000, max: 9000 }).map((size) => Buffer.alloc(size, 0x41)),
);

describe('the log under a flood of bad lines (real server process, --rate-limit 0)', () => {
  it('summarises instead of logging each: a few log bytes per thousand input bytes', async () => {
    const server = await startServer(['--rate-limit', '0']);
    const flood = await LineSocket.connect(server.port);
    await flood.waitFor(/^HELLO /);
    const before = server.log().length;
    const lines = fc.sample(badLine, { numRuns: 40_000, seed: 13 });
    const input = Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')]));
    flood.send(input);
    // The server answered everything once the PONG after it arrives.
    await flood.request('PING flood-done', 'PONG flood-done', 120_000);
    flood.destroy();
    await server.stop();
    const log = server.log().slice(before);
    const ratio = log.length / input.length;
    expect(input.length).toBeGreaterThan(2_000_000);
    expect(ratio, `${log.length} log bytes for ${input.length} input bytes:\n${log.slice(0, 3000)}`).toBeLessThan(0.002);
    expect(log).toMatch(/ summary \d+ more bad lines from 127\.0\.0\.1:\d+ suppressed\n/);
    // The lines were still answered (a junk line of blanks is ignored like an empty one, a fuzzed one may even be valid).
    expect(flood.lines.filter((line) => line.startsWith('ERR ')).length).toBeGreaterThan(0.99 * lines.length);
  }, 180_000);
});
