import { describe, expect, it } from 'vitest';
import { encodeRequest, encodeServer, isBase64OfLength, parseRequest, parseServerLine, type Request } from '../../src/protocol/index.js';

const KEY = Buffer.alloc(32, 1).toString('base64');
const SIG = Buffer.alloc(64, 2).toString('base64');
const parse = (line: string) => parseRequest(Buffer.from(line));

describe('secure extension requests', () => {
  it('parses every verb, case-insensitively, and encodes it back', () => {
    const requests: [string, Request][] = [
      [`register Alice ${KEY}`, { verb: 'REGISTER', id: 'Alice', identityKey: KEY }],
      ['AUTH alice', { verb: 'AUTH', id: 'alice' }],
      [`PROVE ${SIG}`, { verb: 'PROVE', signature: SIG }],
      [`PREKEY ${KEY} ${SIG}`, { verb: 'PREKEY', prekey: KEY, signature: SIG }],
      ['KEYS bob', { verb: 'KEYS', id: 'bob' }],
      ['EMSG bob 7 AAECAw==', { verb: 'EMSG', target: 'bob', counter: 7, payload: 'AAECAw==' }],
    ];
    for (const [line, request] of requests) {
      expect(parse(line)).toEqual({ ok: true, request });
      expect(encodeRequest(request)).toBe(`${line.replace(/^register/, 'REGISTER')}\n`);
    }
  });

  it.each([
    ['REGISTER alice', /usage: REGISTER/],
    [`REGISTER ALL ${KEY}`, /reserved/],
    ['REGISTER alice AAAA', /32 bytes/],
    ['AUTH', /usage: AUTH/],
    ['AUTH a b', /usage: AUTH/],
    ['PROVE short', /64 bytes/],
    [`PREKEY ${KEY}`, /usage: PREKEY/],
    [`PREKEY ${SIG} ${SIG}`, /prekey must be 32/],
    ['KEYS bad/id', /invalid client-id/],
    ['EMSG bob 0 AAAA', /counter/],
    ['EMSG bob 01 AAAA', /counter/],
    ['EMSG bob 99999999999999999 AAAA', /counter/],
    ['EMSG bob 1 ***', /base64/],
    ['EMSG bob 1', /usage: EMSG/],
    ['EMSG bob 1 AAAA extra', /usage: EMSG/],
    ['EMSG bob  1 AAAA', /usage: EMSG/],
  ])('refuses %s', (line, detail) => {
    const result = parse(line);
    expect(result).toMatchObject({ ok: false, error: 'MALFORMED', detail: expect.stringMatching(detail) });
  });

  it('checks base64 length exactly', () => {
    expect(isBase64OfLength(KEY, 32)).toBe(true);
    expect(isBase64OfLength(SIG, 64)).toBe(true);
    expect(isBase64OfLength(KEY, 64)).toBe(false);
    expect(isBase64OfLength(`${KEY.slice(0, 42)}==`, 32)).toBe(false);
  });
});

describe('secure extension server PDUs', () => {
  it('encodes and parses CHALLENGE and EMSG', () => {
    const challenge = encodeServer.challenge(KEY, 'lab', 'none');
    expect(parseServerLine(challenge.trimEnd())).toEqual({ kind: 'CHALLENGE', challenge: KEY, realm: 'lab', binding: 'none' });
    const emsg = encodeServer.emsg('alice', 'bob', 3, 'AAAA');
    expect(emsg).toBe('EMSG alice bob 3 AAAA\n');
    expect(parseServerLine(emsg.trimEnd())).toEqual({ kind: 'EMSG', from: 'alice', target: 'bob', counter: '3', payload: 'AAAA' });
    expect(parseServerLine('EMSG alice bob 3')).toMatchObject({ kind: 'UNKNOWN' });
    expect(parseServerLine('CHALLENGE x')).toMatchObject({ kind: 'UNKNOWN' });
  });

  it('has an error line for each new code', () => {
    expect(encodeServer.err('AUTH_REQUIRED', 'alice')).toMatch(/^ERR 420 .*AUTH.*: alice\n$/);
    expect(encodeServer.err('AUTH_FAILED')).toMatch(/^ERR 421 /);
    expect(encodeServer.err('ALREADY_REGISTERED')).toMatch(/^ERR 422 /);
  });
});
