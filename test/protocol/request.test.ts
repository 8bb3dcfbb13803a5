import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REQUEST_VERBS, SECURE_VERBS } from '../../src/protocol/index.js';
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
    ['LIST ', /no arguments/],
    ['HELP LIST', /no arguments/],
    ['HELP ', /no arguments/],
    ['LOGIN alice ', /one client-id/],
    ['LOGOFF alice ', /one client-id/],
    ['LOGOFF ALL', /reserved/],
    ['li\u017Ft', /unknown verb li\u017Ft/],
    ['log\u0131n alice', /unknown verb/],
    ['MSG \u017Fomeone hi', /invalid client-id/],
    ['MSG bob a\u009bb', /control character U\+009B/],
    ['MSG bob \u0080', /control character U\+0080/],
    ['MSG bob a\u0085', /control character U\+0085/],
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

  it('accepts U+00A0 and everything above the C1 range', () => {
    expect(parse('MSG bob a\u00a0b\u00ff')).toEqual({ ok: true, request: { verb: 'MSG', target: 'bob', text: 'a\u00a0b\u00ff' } });
  });

  it('folds case in ASCII only: a verb with a letter swapped for its Unicode look-alike is unknown', () => {
    // Unicode upper-casing maps these to ASCII letters; ASCII folding must not.
    const lookAlikes: Record<string, string> = { S: '\u017f', I: '\u0131' };
    const verbs = [...REQUEST_VERBS, ...SECURE_VERBS].filter((verb) => /[SI]/.test(verb));
    fc.assert(
      fc.property(fc.constantFrom(...verbs), fc.nat(), fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), (verb, at, lower) => {
        const positions = [...verb].flatMap((letter, i) => (letter in lookAlikes ? [i] : []));
        const swap = positions[at % positions.length]!;
        const word = [...verb].map((letter, i) => (i === swap ? lookAlikes[letter]! : lower[i] ? letter.toLowerCase() : letter)).join('');
        const result = parse(`${word} x`);
        expect(result).toMatchObject({ ok: false, error: 'MALFORMED', detail: `unknown verb ${word}` });
      }),
    );
  });

  it('refuses a text with any C1 control character, wherever it stands', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }), fc.integer({ min: 0x80, max: 0x9f }), fc.string({ maxLength: 10 }), (before, c1, after) => {
        const result = parse(`MSG bob x${before}${String.fromCharCode(c1)}${after}`);
        expect(result).toMatchObject({ ok: false, error: 'MALFORMED' });
      }),
    );
  });

  it('round-trips through encodeRequest', () => {
    for (const line of ['LOGIN alice', 'MSG ALL hi there', 'MSG bob x', 'LOGOFF alice', 'LIST', 'PING', 'PING t1', 'HELP']) {
      const result = parse(line);
      expect(result.ok).toBe(true);
      if (result.ok) expect(encodeRequest(result.request)).toBe(`${line}\n`);
    }
  });
});
