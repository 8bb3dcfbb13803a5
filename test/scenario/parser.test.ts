import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/scenario/duration.js';
import { parseScenario, ScenarioSyntaxError } from '../../src/scenario/parser.js';

const header = 'description: test\nclients: alice bob\n';

function parse(body: string, head = header) {
  return parseScenario(head + body, 'x.scenario');
}

function syntaxError(body: string, head = header): ScenarioSyntaxError {
  try {
    parse(body, head);
  } catch (error) {
    if (error instanceof ScenarioSyntaxError) return error;
    throw error;
  }
  throw new Error('expected a ScenarioSyntaxError');
}

describe('parseDuration', () => {
  it('reads ms and s', () => {
    expect(parseDuration('200ms')).toBe(200);
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('0ms')).toBe(0);
  });
  it('refuses anything else', () => {
    for (const bad of ['200', '-1s', 's', '', '1m', '1 s', '1e3ms']) expect(parseDuration(bad)).toBeUndefined();
  });
});

describe('parseScenario header', () => {
  it('reads name, description, clients and server options', () => {
    const s = parseScenario('# c\nname: n\ndescription: d d\nclients: a b\nserver: --max-clients 3  --rate-limit 5\nclient: --keepalive 5\n', 'dir/f.scenario');
    expect(s).toMatchObject({ name: 'n', description: 'd d', clients: ['a', 'b'], connectAtStart: ['a', 'b'], file: 'dir/f.scenario' });
    expect(s.serverArgs).toEqual(['--max-clients', '3', '--rate-limit', '5']);
    expect(s.clientArgs).toEqual(['--keepalive', '5']);
    expect(parseScenario(header, 'f.scenario')).toMatchObject({ serverArgs: [], clientArgs: [] });
    expect(s.steps).toEqual([]);
  });
  it('defaults the name to the file name', () => {
    expect(parseScenario(header, 'scenarios/basic.scenario').name).toBe('basic');
  });
  it('reports missing, unknown, repeated and late headers with file:line', () => {
    expect(() => parseScenario('clients: a\n', 'f.scenario')).toThrow('f.scenario:1: missing header "description:"');
    expect(() => parseScenario('description: d\n', 'f.scenario')).toThrow('missing header "clients:"');
    expect(syntaxError('colour: red\n').message).toBe('x.scenario:3: unknown header "colour:" (known: name, description, clients, server, client)');
    expect(syntaxError('description: again\n').message).toBe('x.scenario:3: header "description:" given twice');
    expect(syntaxError('alice> PING\nname: late\n').message).toBe('x.scenario:4: header "name:" must come before the first step');
    expect(syntaxError('', 'description: d\nclients: a a\n').message).toContain('client "a" listed twice');
    expect(syntaxError('', 'description: d\nclients: a/b\n').message).toContain('bad client name "a/b"');
    expect(syntaxError('alice> PING\n', 'description: d\n').message).toBe('x.scenario:2: the "clients:" header must come before the first step');
  });
});

describe('parseScenario steps', () => {
  it('reads sends, exact and regex expectations, with their locations', () => {
    const s = parse('alice> LOGIN alice\nalice< OK LOGIN alice\n  bob< ~ MSG alice ALL .+\nbob<< ~ ERR 429 .*\nalice>\n');
    expect(s.steps).toMatchObject([
      { kind: 'send', client: 'alice', line: 'LOGIN alice', at: { file: 'x.scenario', line: 3 } },
      { kind: 'expect', client: 'alice', pattern: { kind: 'exact', text: 'OK LOGIN alice' }, eventually: false, timeoutMs: 2000 },
      { kind: 'expect', client: 'bob', pattern: { kind: 'regex', source: 'MSG alice ALL .+' }, at: { line: 5 } },
      { kind: 'expect', client: 'bob', eventually: true },
      { kind: 'send', client: 'alice', line: '' },
    ]);
  });
  it('anchors regular expressions on the whole line', () => {
    const step = parse('alice< ~ OK .*\n').steps[0]!;
    if (step.kind !== 'expect' || step.pattern.kind !== 'regex') throw new Error('expected a regex expectation');
    expect(step.pattern.regex.test('OK LOGIN a')).toBe(true);
    expect(step.pattern.regex.test('xOK LOGIN a')).toBe(false);
  });
  it('decodes \\xHH and \\\\ in sent lines, and nothing else', () => {
    const line = (body: string) => (parse(`alice> ${body}\n`).steps[0] as { line: string }).line;
    expect(line('MSG bob bell\\x07 del\\x7F esc\\x1b[2J')).toBe('MSG bob bell\x07 del\x7f esc\x1b[2J');
    expect(line('MSG bob a\\\\x07 b\\n c\\')).toBe('MSG bob a\\x07 b\\n c\\');
    expect(syntaxError('alice> MSG bob a\\x0ab\n').message).toBe('x.scenario:3: \\x0a (a line end) cannot be sent inside a line');
  });
  it('keeps the sent line exactly, trailing spaces included', () => {
    expect(parse('alice> LOGIN alice \r\n').steps[0]).toMatchObject({ line: 'LOGIN alice ' });
  });
  it('applies timeout to the expectations after it', () => {
    const s = parse('alice< A\ntimeout 5s\nalice< B\nalice! exit 0\nunordered {\nalice< C\n}\n');
    expect(s.steps).toMatchObject([{ timeoutMs: 2000 }, { timeoutMs: 5000 }, { kind: 'exit', code: 0, timeoutMs: 5000 }, { kind: 'unordered', timeoutMs: 5000 }]);
  });
  it('reads actions and pauses', () => {
    const s = parse('alice! disconnect\nbob! eof\nbob! exit 3\nbob! quiet 300ms\npause 1.5s\n');
    expect(s.steps.map((step) => step.kind)).toEqual(['disconnect', 'eof', 'exit', 'quiet', 'pause']);
    expect(s.steps[3]).toMatchObject({ durationMs: 300 });
    expect(s.steps[4]).toMatchObject({ durationMs: 1500 });
  });
  it('connects clients with a connect step later, the others at the start', () => {
    const s = parse('alice> LOGIN alice\nbob! connect\nbob> LOGIN bob\n');
    expect(s.connectAtStart).toEqual(['alice']);
    expect(s.steps[1]).toMatchObject({ kind: 'connect', client: 'bob', args: [] });
    expect(parse('bob! connect  --id bob --keepalive 1\n').steps[0]).toMatchObject({ args: ['--id', 'bob', '--keepalive', '1'] });
    expect(syntaxError('bob> LOGIN bob\nbob! connect\n').message).toBe('x.scenario:3: bob is used before its "bob! connect" step');
    expect(syntaxError('bob! connect\nbob! connect\n').message).toBe('x.scenario:4: bob is already connected');
  });
  it('lets a client connect again once its process ended (exit or disconnect), not before', () => {
    const s = parse('bob! connect\nbob! exit 0\nbob! connect\nbob! disconnect\nbob! connect --id bob\n');
    expect(s.steps.map((step) => step.kind)).toEqual(['connect', 'exit', 'connect', 'disconnect', 'connect']);
    expect(syntaxError('bob! connect\nbob! eof\nbob! connect\n').message).toBe('x.scenario:5: bob is already connected');
  });
  it('reads together, unordered and repeat blocks', () => {
    const s = parse('together {\n  alice> MSG ALL a\n  bob> MSG ALL b\n}\nunordered {\n  alice< X\n  bob< Y\n}\nrepeat 3 {\n  alice> PING\n}\ntogether {\nrepeat 2 {\nbob> PING\n}\n}\n');
    expect(s.steps.map((step) => step.kind)).toEqual(['together', 'unordered', 'send', 'send', 'send', 'together']);
    expect(s.steps[0]).toMatchObject({ kind: 'together', sends: [{ client: 'alice' }, { client: 'bob' }], at: { line: 3 } });
    expect(s.steps[1]).toMatchObject({ kind: 'unordered', expects: [{ client: 'alice' }, { client: 'bob' }] });
    expect(s.steps[5]).toMatchObject({ sends: [{ line: 'PING' }, { line: 'PING' }] });
  });
  it('reports bad steps with file:line and what is wrong', () => {
    const cases: [string, string][] = [
      ['carol> PING\n', 'x.scenario:3: unknown client "carol" (clients: alice bob)'],
      ['alice>PING\n', 'x.scenario:3: put one space after "alice>"'],
      ['alice<\n', 'x.scenario:3: expected line is empty'],
      ['alice< ~ (\n', 'x.scenario:3: bad regular expression'],
      ['alice< ~\n', 'x.scenario:3: "~" needs a regular expression'],
      ['alice! dance\n', 'x.scenario:3: unknown action "dance"'],
      ['alice! exit\n', 'x.scenario:3: exit takes one exit code'],
      ['alice! quiet 1m\n', 'x.scenario:3: quiet takes one duration'],
      ['alice! disconnect now\n', 'x.scenario:3: disconnect takes no arguments'],
      ['pause soon\n', 'x.scenario:3: bad duration "soon"'],
      ['timeout 0ms\n', 'x.scenario:3: timeout must be more than 0'],
      ['hello there\n', 'x.scenario:3: cannot read "hello there"'],
      ['}\n', 'x.scenario:3: "}" without an open block'],
      ['together {\n', 'x.scenario:3: together block is never closed'],
      ['together {\n}\n', 'x.scenario:4: empty together block'],
      ['together {\nalice< X\n}\n', 'x.scenario:4: only sends (alice> ...) are allowed inside together { }'],
      ['unordered {\nalice> X\n}\n', 'x.scenario:4: only expectations (alice< ...) are allowed inside unordered { }'],
      ['together {\nrepeat 2 {\npause 1ms\n}\n}\n', 'x.scenario:5: only sends'],
      ['together {\nunordered {\n', 'x.scenario:4: unordered { } cannot be nested in together { }'],
      ['repeat 0 {\n', 'x.scenario:3: repeat count must be 1-10000'],
    ];
    for (const [body, message] of cases) expect(syntaxError(body).message, body).toContain(message);
  });
});
