import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/parser.js';
import { runScenario, type RunOptions } from '../../src/scenario/runner.js';
import { STEP_HANDLERS } from '../../src/scenario/step-handlers.js';
import { waitUntil } from '../helpers/wait-until.js';
import { FakeLauncher, type FakeBehaviour, type FakeReplies } from './fake-launcher.js';

// The runner and its step handlers against fake clients: no processes, no server.

const SERVER = { host: '127.0.0.1', port: 7000 };
const FILE = 'scenarios/unit.scenario';
/** Short waits for the steps that have no timeout of their own, so failures come fast. */
const WAITS = { sendMs: 200, killMs: 100 };

/** A scenario from its lines, with the header every one of them needs. */
function scenario(clients: string, ...steps: string[]) {
  return parseScenario([`description: unit`, `clients: ${clients}`, ...steps].join('\n'), FILE);
}

/** Line number in FILE of steps[i] (the header takes two lines). */
const lineOf = (i: number) => `${FILE}:${i + 3}`;

/** A tiny chat server: LOGIN, MSG ALL to everyone logged in, PING. */
function chat(): FakeReplies {
  const online: string[] = [];
  return (from, line) => {
    const [verb, ...rest] = line.split(' ');
    if (verb === 'LOGIN') {
      const others = online.map((to): [string, string] => [to, `JOINED ${rest[0]}`]);
      online.push(from);
      return [[from, `OK LOGIN ${rest[0]}`], ...others];
    }
    if (verb === 'MSG' && rest[0] === 'ALL') {
      const to = online.filter((name) => name !== from);
      return [[from, `OK MSG ALL ${to.length}`], ...to.map((name): [string, string] => [name, `MSG ${from} ALL ${rest.slice(1).join(' ')}`])];
    }
    if (verb === 'PING') return [[from, `PONG${rest.length > 0 ? ` ${rest.join(' ')}` : ''}`]];
    return [[from, 'ERR 400 malformed request']];
  };
}

async function run(lines: [clients: string, ...steps: string[]], behaviour: FakeBehaviour | ((name: string) => FakeBehaviour) = { replies: chat() }, options: Partial<RunOptions> = {}) {
  const launcher = new FakeLauncher(behaviour);
  const [clients, ...steps] = lines;
  const stepped: string[] = [];
  const { result, sessions } = await runScenario(scenario(clients, ...steps), {
    launcher,
    server: SERVER,
    waits: WAITS,
    onStep: (step) => stepped.push(`${step.status} ${step.where}`),
    ...options,
  });
  return { result, sessions, launcher, stepped };
}

describe('runScenario with fake clients', () => {
  it('has a handler for every step kind', () => {
    expect(Object.keys(STEP_HANDLERS).sort()).toEqual(['connect', 'disconnect', 'eof', 'exit', 'expect', 'pause', 'quiet', 'send', 'together', 'unordered']);
  });

  it('passes a scenario that uses every kind of step, greeting consumed, each step reported as it ends', async () => {
    const steps = [
      'alice> LOGIN alice',
      'alice< OK LOGIN alice',
      'bob! connect --id bob',
      'bob> LOGIN bob',
      'bob< ~ OK LOGIN \\w+',
      'alice< JOINED bob',
      'together {',
      'alice> MSG ALL hi from alice',
      'bob> MSG ALL hi from bob',
      '}',
      'unordered {',
      'alice< MSG bob ALL hi from bob',
      'alice< OK MSG ALL 1',
      'bob< OK MSG ALL 1',
      'bob< MSG alice ALL hi from alice',
      '}',
      'alice> PING 1',
      'alice> PING 2',
      'alice<< PONG 2',
      'alice! quiet 30ms',
      'pause 10ms',
      'alice> /help',
      'alice! eof',
      'alice! exit 0',
      'bob! disconnect',
    ];
    const { result, launcher, stepped, sessions } = await run(['alice bob', ...steps]);
    expect(result.failure).toBeUndefined();
    expect(result.passed).toBe(true);
    expect(result.steps.map((step) => step.kind)).toEqual([
      'connect',
      'send',
      'expect',
      'connect',
      'send',
      'expect',
      'expect',
      'together',
      'unordered',
      'send',
      'send',
      'expect',
      'quiet',
      'pause',
      'send',
      'eof',
      'exit',
      'disconnect',
    ]);
    expect(stepped).toHaveLength(result.steps.length);
    expect(stepped.every((line) => line.startsWith('pass '))).toBe(true);
    expect(result.steps[0]!.where).toBe(`${FILE} (start)`);
    expect(result.steps[3]!.where).toBe(lineOf(2));
    // The pattern hides the line: the report says which one matched; eventually says what it skipped.
    expect(result.steps[5]!.detail).toBe('got: OK LOGIN bob');
    expect(result.steps[11]!.detail).toBe('skipped 1 line(s): PONG 1');
    expect(launcher.launches.map(({ name, args }) => `${name} ${args.join(' ')}`.trim())).toEqual(['alice', 'bob --id bob']);
    // The together block wrote both lines in the same turn, and reports the spread of the clients' own times.
    const together = launcher.inputs.filter((input) => input.line.startsWith('MSG ALL'));
    expect(together.map((input) => input.client)).toEqual(['alice', 'bob']);
    expect(together[0]!.turn).toBe(together[1]!.turn);
    expect(result.steps[7]!.spreadMs).toBeGreaterThanOrEqual(0);
    expect(result.steps[7]!.detail).toMatch(/^2 lines written in [\d.]+ ms; the clients sent them within \d+ ms of each other$/);
    expect(result.clients.alice!.exit).toEqual({ code: 0, signal: null, stderr: '' });
    expect(result.clients.bob!.exit).toEqual({ code: null, signal: 'SIGKILL', stderr: '' });
    expect(sessions.map((session) => session.transcript[0])).toEqual([
      expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} \* connected to 127\.0\.0\.1:7000$/),
      expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} \* connected to 127\.0\.0\.1:7000$/),
    ]);
  });

  it('a wrong line fails at its file:line with client, expected and got; later steps are not run; every client is ended', async () => {
    const steps = ['alice> LOGIN alice', 'alice< OK LOGIN alicia', 'bob> LOGIN bob', 'bob< OK LOGIN bob'];
    const { result, launcher } = await run(['alice bob', ...steps]);
    expect(result.passed).toBe(false);
    expect(result.failure).toMatchObject({ where: lineOf(1), source: 'alice< OK LOGIN alicia', client: 'alice', expected: 'OK LOGIN alicia', got: 'OK LOGIN alice', status: 'fail' });
    expect(result.steps.map((step) => step.status)).toEqual(['pass', 'pass', 'pass', 'fail', 'not-run', 'not-run']);
    // The cleanup closed both clients' input (the fake exits on it).
    expect(result.clients.alice!.exit?.code).toBe(0);
    expect(result.clients.bob!.exit?.code).toBe(0);
    expect(launcher.inputs.map((input) => input.line)).toEqual(['LOGIN alice']);
  });

  it('a line that never comes fails after the step timeout; eventually names what it skipped', async () => {
    const plain = await run(['alice', 'timeout 50ms', 'alice> PING', 'alice< PONG x']);
    expect(plain.result.failure).toMatchObject({ where: lineOf(2), expected: 'PONG x', got: 'PONG' });
    const late = await run(['alice', 'timeout 50ms', 'alice< OK never']);
    expect(late.result.failure).toMatchObject({ where: lineOf(1), expected: 'OK never', got: 'nothing within 50ms' });
    const eventually = await run(['alice', 'timeout 50ms', 'alice> PING a', 'alice> PING b', 'alice<< ~ OK .*']);
    expect(eventually.result.failure).toMatchObject({ where: lineOf(3), expected: '~ OK .*', got: 'nothing within 50ms', detail: 'skipped 2 line(s): PONG a | PONG b' });
  });

  it('a client that ends while a step waits: the failure says how it ended and its last stderr line', async () => {
    const launcher = new FakeLauncher({ replies: chat() });
    const running = runScenario(scenario('alice', 'alice< OK LOGIN alice'), { launcher, server: SERVER, waits: WAITS });
    await waitUntil(() => launcher.launches.some((launch) => launch.name === 'alice'), 'alice is launched');
    launcher.client('alice').exit(3, null, 'chatmsg-client: something\nchatmsg-client: connection refused\n');
    const { result } = await running;
    expect(result.failure).toMatchObject({ where: lineOf(0), got: 'nothing; the client exited with code 3: chatmsg-client: connection refused' });
  });

  it('unordered: each client in its own order; a line no expectation takes fails with what was left; silence fails at the block timeout', async () => {
    const block = ['alice> LOGIN alice', 'alice> PING 1', 'alice> PING 2', 'timeout 50ms', 'unordered {'];
    const pass = await run(['alice', ...block, 'alice< PONG 2', 'alice< PONG 1', 'alice< OK LOGIN alice', '}']);
    expect(pass.result.passed).toBe(true);
    const wrong = await run(['alice', ...block, 'alice< PONG 2', 'alice< PONG 3', 'alice< ~ OK .*', '}']);
    expect(wrong.result.failure).toMatchObject({ where: lineOf(4), client: 'alice', expected: 'one of: PONG 2 | PONG 3', got: 'PONG 1' });
    const short = await run(['alice', ...block, 'alice< PONG 2', 'alice< PONG 1', 'alice< OK LOGIN alice', 'alice< PONG 3', '}']);
    expect(short.result.failure).toMatchObject({ where: lineOf(4), client: 'alice', expected: 'one of: PONG 3', got: 'nothing within 50ms' });
  });

  it('unordered across clients: the first client to fail decides, without waiting for the others', async () => {
    const { result } = await run(['alice bob', 'alice> PING', 'timeout 5s', 'unordered {', 'bob< never', 'alice< OK PING', '}']);
    // bob would wait the 5 s; alice's wrong line is the block's failure, although bob comes first.
    expect(result.failure).toMatchObject({ where: lineOf(2), client: 'alice', expected: 'one of: OK PING', got: 'PONG' });
  });

  it('together: a client that never sends its line fails the block after the send wait, naming it', async () => {
    const { result, launcher } = await run(['alice bob', 'together {', 'alice> PING a', 'bob> PING b', '}'], (name) => ({ replies: chat(), neverEchoes: name === 'bob' }));
    expect(launcher.inputs.map((input) => input.client)).toEqual(['alice', 'bob']);
    expect(result.failure).toMatchObject({ where: lineOf(0), client: 'bob', expected: 'the client to send: PING b', got: `not sent within ${WAITS.sendMs}ms` });
  });

  it('a send the client never reports fails after the send wait', async () => {
    const { result } = await run(['alice', 'alice> LOGIN alice'], { neverEchoes: true });
    expect(result.failure).toMatchObject({ where: lineOf(0), expected: 'the client to send: LOGIN alice', got: `not sent within ${WAITS.sendMs}ms` });
  });

  it('connect: a launcher that cannot start the client, a client that never connects, a first line that is not the greeting', async () => {
    const refused = await run(['alice', 'alice> LOGIN alice'], { launchError: 'no container left' });
    expect(refused.result.failure).toMatchObject({ where: `${FILE} (start)`, kind: 'connect', expected: 'a client started by fake clients', got: 'no container left' });
    expect(refused.result.steps.map((step) => step.status)).toEqual(['fail', 'not-run']);
    const silent = await run(['alice', 'timeout 50ms', 'alice! connect'], { neverConnects: true });
    expect(silent.result.failure).toMatchObject({ where: lineOf(1), expected: 'a connection to 127.0.0.1:7000', got: 'no connection within 50ms' });
    const mute = await run(['alice', 'timeout 50ms', 'alice! connect'], { greeting: null });
    expect(mute.result.failure).toMatchObject({ where: lineOf(1), expected: 'HELLO CHAT-MSG/1 ...', got: 'nothing within 50ms' });
    // A refusal instead of a greeting is left for the steps.
    const full = await run(['alice', 'alice< ERR 503 server full'], { greeting: 'ERR 503 server full' });
    expect(full.result.passed).toBe(true);
  });

  it('exit: the wrong code, or a client still running at the timeout', async () => {
    const wrong = await run(['alice', 'alice! eof', 'alice! exit 0'], { exitOnEof: 1 });
    expect(wrong.result.failure).toMatchObject({ where: lineOf(1), expected: 'exit code 0', got: 'the client exited with code 1' });
    const running = await run(['alice', 'timeout 50ms', 'alice! exit 0']);
    expect(running.result.failure).toMatchObject({ where: lineOf(1), expected: 'exit code 0', got: 'still running after 50ms' });
  });

  it('disconnect: a client that does not die fails after the kill wait; the cleanup still returns', async () => {
    const { result } = await run(['alice', 'alice! disconnect'], { unkillable: true, exitOnEof: 0 });
    expect(result.failure).toMatchObject({ where: lineOf(0), expected: 'the client process to end', got: `still running after ${WAITS.killMs}ms` });
  });

  it('quiet: a line within the period fails, naming it', async () => {
    const { result } = await run(['alice', 'alice> PING', 'alice! quiet 200ms']);
    // The PONG comes while alice must hear nothing (the send step only waits for the echo).
    expect(result.failure).toMatchObject({ where: lineOf(1), expected: 'nothing for 200ms', got: 'PONG' });
  });

  it('a slash command waits for no echo: the client does not send it as typed', async () => {
    const { result, launcher } = await run(['alice', 'alice> /whoami'], { neverEchoes: true });
    expect(result.passed).toBe(true);
    expect(launcher.inputs.map((input) => input.line)).toEqual(['/whoami']);
  });
});
