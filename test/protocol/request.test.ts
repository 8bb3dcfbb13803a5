import { describe, expect, it } from 'vitest';
import { encodeRequest, parseRequest, type ParseResult } from '../../src/protocol/request.js';

const parse = (line: string | Buffer): ParseResult => parseRequest(typeof line === 'string' ? Buffer.from(line) : line);

describe('parseRequest', () => {
  it('parses every verb, case-insensitively', () => {
    expect(parse('login Alice')).toEqual({ ok: true, request: { verb: 'LOGIN', id: 'Alice' } });
    expect(parse('Msg bob hello  world ')).toEqual({ ok: true, request: { verb: 'MSG', target: 'bob', text: 'hello  world ' } });
    expect(parse('MSG all hi')).toEqual({ ok: true, request: { verb: 'MSG', target: 'ALL', text: 'hi' } });
    expect(parse('LOGOFF a.b-c_d')).toEqual({ ok: true, request: { verb: 'LOGOFF', id: 'a.b-c_d' } });
    expect(parse('list')).toEqual({ ok: true, request: { verb: 'LIST' } });
    expect(parse('PING')).toEqual({ ok: true, request: { verb: 'PING' } });
    expect(parse('ping 42 x')).toEqual({ ok: true, request: { verb: 'PING', token: '42 x' } });
    expect(parse('HELP')).toEqual({ ok: true, request: { verb: 'HELP' } });
  });

  it.each([
    ['FOO bar', /unknown verb FOO/],
    ['', /empty verb/],
    ['LOGIN', /needs a client-id/],
    ['LOGIN a b', /one client-id/],
    ['LOGIN all', /reserved/],
    ['LOGIN ' + 'x'.repeat(33), /invalid client-id/],
    ['LOGIN bad!id', /invalid client-id/],
    ['MSG', /target and a text/],
    ['MSG bob', /needs a text/],
    ['MSG bob ', /empty text/],
    ['MSG b@d hi', /invalid client-id/],
    ['LIST x', /no arguments/],
    ['MSG bob a\u0007b', /control character 0x07/],
    ['MSG bob a\u007fb', /control character 0x7f/],
  ])('%j is malformed (%s)', (line, detail) => {
    const result = parse(line);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toBe('MALFORMED');
      expect(result.detail).toMatch(detail);
    }
  });

  it('accepts TAB and UTF-8 in text, refuses invalid UTF-8', () => {
    expect(parse('MSG bob caf\u00e9\tok')).toEqual({ ok: true, request: { verb: 'MSG', target: 'bob', text: 'caf\u00e9\tok' } });
    const invalid = parse(Buffer.from([0x4d, 0x53, 0x47, 0x20, 0x62, 0x20, 0xc3, 0x28]));
    expect(invalid).toMatchObject({ ok: false, error: 'MALFORMED', detail: 'not valid UTF-8' });
  });

  it('round-trips through encodeRequest', () => {
    for (const line of ['LOGIN alice', 'MSG ALL hi there', 'MSG bob x', 'LOGOFF alice', 'LIST', 'PING', 'PING t1', 'HELP']) {
      const result = parse(line);
      expect(result.ok).toBe(true);
      if (result.ok) expect(encodeRequest(result.request)).toBe(`${line}\n`);
    }
  });
});
