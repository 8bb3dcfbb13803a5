import { describe, expect, it } from 'vitest';
import {
  err,
  formatResult,
  formatSummary,
  help,
  line,
  list,
  showReceived,
  showSent,
  summarize,
  tableHeader,
  type CheckResult,
  type Received,
} from '../../src/conformance/index.js';
import { parseServerLine } from '../../src/protocol/index.js';

const base = { name: 'broadcast/no-echo', group: 'broadcast', title: 'no echo', ms: 302 } as const;

function received(text: string): Received {
  return { text, bytes: Buffer.from(text), pdu: parseServerLine(text) };
}

describe('report', () => {
  it('a PASS is one row', () => {
    expect(formatResult({ ...base, status: 'PASS' })).toBe(`PASS    ${'broadcast/no-echo'.padEnd(44)}    302 ms  no echo`);
  });

  it('the header lines up with the rows', () => {
    const header = tableHeader();
    const row = formatResult({ ...base, status: 'PASS' });
    expect(header.indexOf('CHECK')).toBe(row.indexOf('broadcast/'));
    expect(header.indexOf('TIME') + 'TIME'.length).toBe(row.indexOf(' ms') + ' ms'.length);
    expect(header.indexOf('WHAT')).toBe(row.indexOf('no echo'));
  });

  it('a FAIL adds what was sent, what was expected and what came back', () => {
    const result: CheckResult = {
      ...base,
      status: 'FAIL',
      failure: { sent: ['alice > "LOGIN alice\\n"', 'alice > "MSG ALL hi\\n"'], expected: 'nothing more at alice within 300 ms', got: 'alice < "MSG alice ALL hi"' },
    };
    expect(formatResult(result).split('\n').slice(1)).toEqual([
      '      sent:     alice > "LOGIN alice\\n"',
      '                alice > "MSG ALL hi\\n"',
      '      expected: nothing more at alice within 300 ms',
      '      got:      alice < "MSG alice ALL hi"',
    ]);
  });

  it('a SKIP gives its reason', () => {
    expect(formatResult({ ...base, status: 'SKIP', ms: 0, skipReason: 'needs --rate-limit N' }).split('\n')[1]).toBe('      skipped: needs --rate-limit N');
  });

  it('the summary line counts each status', () => {
    const results: CheckResult[] = [
      { ...base, status: 'PASS' },
      { ...base, status: 'PASS' },
      { ...base, status: 'FAIL', failure: { sent: [], expected: 'x', got: 'y' } },
      { ...base, status: 'SKIP', skipReason: 'z' },
    ];
    expect(formatSummary(summarize(results))).toBe('2 passed, 1 failed, 1 skipped');
  });
});

describe('showing bytes', () => {
  it('quotes text, escapes LF, CR, TAB, quotes and controls', () => {
    expect(showSent('alice', Buffer.from('MSG bob "hi"\t\x1b[31m\r\n'))).toBe('alice > "MSG bob \\"hi\\"\\t\\x1b[31m\\r\\n"');
  });

  it('shows bytes that are not UTF-8 one by one, and valid UTF-8 as text', () => {
    expect(showSent('alice', Buffer.from([0x61, 0xc3, 0x28, 0x0a]))).toBe('alice > "a\\xc3(\\n"');
    expect(showSent('alice', Buffer.from('gr\u00fc\u00df'))).toBe('alice > "gr\u00fc\u00df"');
  });

  it('shortens long sends and says how long they were', () => {
    expect(showSent('alice', Buffer.alloc(5000, 'x'))).toBe(`alice > "${'x'.repeat(100)}"... (5000 bytes)`);
  });

  it('shows a received line from its bytes and notes why it was invalid', () => {
    expect(showReceived({ ...received('MSG a b \x1b'), invalid: 'control character 0x1b at byte 8' })).toBe(
      '"MSG a b \\x1b" (control character 0x1b at byte 8)',
    );
  });
});

describe('matchers', () => {
  it('line is exact', () => {
    expect(line('PONG a').test(received('PONG a'))).toBe(true);
    expect(line('PONG a').test(received('PONG a '))).toBe(false);
    expect(line('PONG a').test({ ...received('PONG a'), invalid: 'not valid UTF-8' })).toBe(false);
  });

  it('err needs the code and a reason', () => {
    expect(err(409).test(received('ERR 409 id already online'))).toBe(true);
    expect(err(409).test(received('ERR 409 '))).toBe(false);
    expect(err(409).test(received('ERR 400 malformed'))).toBe(false);
  });

  it('list wants the ids as given, in login order, exactly once each, with their count', () => {
    expect(list(['a', 'B']).test(received('OK LIST 2 a B'))).toBe(true);
    expect(list(['a', 'B']).test(received('OK LIST 2 B a'))).toBe(false);
    expect(list(['a', 'B']).test(received('OK LIST 2 a b'))).toBe(false);
    expect(list(['a', 'B']).test(received('OK LIST 3 a B'))).toBe(false);
    expect(list(['a', 'B']).test(received('OK LIST 2 a B a'))).toBe(false);
  });

  it('help wants the base verbs first in the spec order, extension verbs after, each once', () => {
    expect(help().test(received('OK HELP LOGIN MSG LOGOFF LIST PING HELP'))).toBe(true);
    expect(help().test(received('OK HELP LOGIN MSG LOGOFF LIST PING HELP REGISTER AUTH'))).toBe(true);
    expect(help().test(received('OK HELP HELP PING LIST LOGOFF MSG LOGIN'))).toBe(false);
    expect(help().test(received('OK HELP LOGIN MSG LOGOFF LIST PING HELP LIST'))).toBe(false);
    expect(help().test(received('OK HELP LOGIN MSG LOGOFF LIST PING'))).toBe(false);
    expect(help().test(received('OK HELP LOGIN MSG LOGOFF LIST PING HELP HELP'))).toBe(false);
  });
});
