import { describe, expect, it } from 'vitest';
import type { ClientDriver, ClientExit } from '../../src/scenario/client-driver.js';
import { ClientSession } from '../../src/scenario/client-session.js';

/** A driver whose process "ends" when the test says so; the session only watches `exited`. */
function endable(): { driver: ClientDriver; end(exit: ClientExit): void } {
  let end!: (exit: ClientExit) => void;
  const exited = new Promise<ClientExit>((resolve) => (end = resolve));
  return { driver: { send() {}, endInput() {}, kill() {}, exited }, end };
}

describe('ClientSession', () => {
  it('sorts transcript lines into received, sent and the connected notice', () => {
    const s = new ClientSession('alice');
    s.onLine('10:00:00.000 * connected to 127.0.0.1:5151');
    s.onLine('10:00:00.001 < HELLO CHAT-MSG/1 hi');
    s.onLine('10:00:00.002 > LOGIN alice');
    s.onLine('not a transcript line');
    expect(s.connected).toBe(true);
    expect(s.received).toEqual([{ text: 'HELLO CHAT-MSG/1 hi', time: '10:00:00.001' }]);
    expect(s.sent).toEqual([{ text: 'LOGIN alice', time: '10:00:00.002' }]);
    expect(s.transcript).toHaveLength(4);
  });

  it('hands out received lines in order, waiting for the next one', async () => {
    const s = new ClientSession('alice');
    s.onLine('10:00:00.001 < A');
    expect(await s.next(Date.now() + 1000)).toEqual({ line: { text: 'A', time: '10:00:00.001' } });
    const waiting = s.next(Date.now() + 5000);
    setTimeout(() => s.onLine('10:00:00.002 < B'), 20);
    expect(await waiting).toEqual({ line: { text: 'B', time: '10:00:00.002' } });
    expect(s.cursor).toBe(2);
  });

  it('reports a timeout, and the end of the client instead of waiting for nothing', async () => {
    const s = new ClientSession('alice');
    expect(await s.next(Date.now() + 30)).toEqual({ timeout: true });
    const { driver, end } = endable();
    s.attach(driver);
    const waiting = s.next(Date.now() + 60_000);
    const exit = { code: 3, signal: null, stderr: 'connection lost' };
    end(exit);
    expect(await waiting).toEqual({ exit });
    expect(s.exit).toEqual(exit);
  });

  it('matches the runner sends to the client > echoes, passing over lines it sent on its own', async () => {
    const s = new ClientSession('bob');
    s.onLine('10:00:00.001 > LOGIN bob');
    s.onLine('10:00:00.002 > PING');
    expect(await s.sentEcho('PING', Date.now() + 1000)).toBe('10:00:00.002');
    const second = s.sentEcho('PING', Date.now() + 5000);
    setTimeout(() => s.onLine('10:00:00.009 > PING'), 20);
    expect(await second).toBe('10:00:00.009');
    expect(await s.sentEcho('MSG ALL \x1b', Date.now() + 30)).toBeUndefined();
    s.onLine('10:00:00.010 > MSG ALL \\x1b');
    expect(await s.sentEcho('MSG ALL \x1b', Date.now() + 30)).toBe('10:00:00.010');
  });

  it('lists unchecked lines up to the end of the steps only', async () => {
    const s = new ClientSession('alice');
    s.onLine('10:00:00.001 < A');
    s.onLine('10:00:00.002 < B');
    await s.next(Date.now());
    s.endSteps();
    s.onLine('10:00:00.003 < LEFT bob');
    expect(s.unchecked()).toEqual(['B']);
    expect(s.summary()).toMatchObject({ received: 3, sent: 0, unchecked: ['B'], exit: null });
  });
});
