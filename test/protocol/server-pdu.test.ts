import { describe, expect, it } from 'vitest';
import { encodeServer, parseServerLine } from '../../src/protocol/server-pdu.js';

const strip = (line: string) => line.slice(0, -1);

describe('server PDUs', () => {
  it('encodes and parses every server line', () => {
    expect(parseServerLine(strip(encodeServer.hello('welcome to the lab')))).toEqual({ kind: 'HELLO', version: 'CHAT-MSG/1', text: 'welcome to the lab' });
    expect(parseServerLine(strip(encodeServer.ok('LIST', 2, 'a', 'b')))).toEqual({ kind: 'OK', verb: 'LIST', args: ['2', 'a', 'b'] });
    expect(encodeServer.err('NOT_FOUND', 'bob')).toBe('ERR 404 no client with that id is online: bob\n');
    expect(parseServerLine(strip(encodeServer.err('CONFLICT')))).toEqual({ kind: 'ERR', code: 409, reason: 'id already online' });
    expect(parseServerLine(strip(encodeServer.msg('a', 'ALL', 'hi  there')))).toEqual({ kind: 'MSG', from: 'a', target: 'ALL', text: 'hi  there' });
    expect(parseServerLine('JOINED bob')).toEqual({ kind: 'JOINED', id: 'bob' });
    expect(parseServerLine('LEFT bob')).toEqual({ kind: 'LEFT', id: 'bob' });
    expect(parseServerLine('PONG')).toEqual({ kind: 'PONG' });
    expect(parseServerLine('PONG 7')).toEqual({ kind: 'PONG', token: '7' });
    expect(parseServerLine('BYE server shutting down')).toEqual({ kind: 'BYE', text: 'server shutting down' });
    expect(parseServerLine('WHAT 1')).toEqual({ kind: 'UNKNOWN', line: 'WHAT 1' });
    expect(parseServerLine('ERR x y')).toEqual({ kind: 'UNKNOWN', line: 'ERR x y' });
  });
});
