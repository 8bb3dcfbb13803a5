import { describe, expect, it } from 'vitest';
import { Logger } from '../../src/server/logger.js';

function capture(logText: boolean) {
  const lines: string[] = [];
  const logger = new Logger({ logText, write: (line) => lines.push(line), now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 6) });
  return { logger, lines };
}

describe('Logger', () => {
  it('writes one line: ISO time, peer, id or -, event, detail', () => {
    const { logger, lines } = capture(false);
    logger.log({ peer: '10.0.0.1:4000', event: 'connect' });
    logger.log({ peer: '10.0.0.1:4000', id: 'alice', event: 'MSG', detail: 'bob', text: 'secret' });
    logger.log({ peer: '-', event: 'shutdown', detail: '' });
    expect(lines).toEqual([
      '2026-01-02T03:04:05.006Z 10.0.0.1:4000 - connect\n',
      '2026-01-02T03:04:05.006Z 10.0.0.1:4000 alice MSG bob\n',
      '2026-01-02T03:04:05.006Z - - shutdown\n',
    ]);
  });

  it('with logText, quotes the text so a line of the log stays one line', () => {
    const { logger, lines } = capture(true);
    logger.log({ peer: '[::1]:4000', id: 'a', event: 'MSG', detail: 'ALL', text: 'two\nlines "and" \u001b[2J' });
    expect(lines).toEqual(['2026-01-02T03:04:05.006Z [::1]:4000 a MSG ALL text="two\\nlines \\"and\\" \\u001b[2J"\n']);
  });

  it('formats the time once per millisecond, and again when the clock moves', () => {
    const lines: string[] = [];
    let ms = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
    const logger = new Logger({ logText: false, write: (line) => lines.push(line), now: () => ms });
    logger.log({ peer: '-', event: 'a' });
    logger.log({ peer: '-', event: 'b' });
    ms += 1;
    logger.log({ peer: '-', event: 'c' });
    ms += 60_000;
    logger.log({ peer: '-', event: 'd' });
    expect(lines).toEqual([
      '2026-01-02T03:04:05.006Z - - a\n',
      '2026-01-02T03:04:05.006Z - - b\n',
      '2026-01-02T03:04:05.007Z - - c\n',
      '2026-01-02T03:05:05.007Z - - d\n',
    ]);
  });
});
