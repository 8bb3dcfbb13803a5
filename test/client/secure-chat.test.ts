import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecureChat } from '../../src/client/secure-chat.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chatmsg-secure-chat-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A SecureChat whose sends are echoed as sent at once (like a connected ChatConnection). */
function chat(channelBinding = '') {
  const sent: string[] = [];
  const notices: string[] = [];
  const warnings: string[] = [];
  const secure: SecureChat = new SecureChat(
    { keyFile: join(dir, 'me.key'), server: '127.0.0.1:5151' },
    {
      send: (line) => {
        sent.push(line);
        secure.sent(line);
      },
      notice: (text) => notices.push(text),
      warn: (text) => warnings.push(text),
      channelBinding: () => channelBinding,
    },
  );
  return { secure, sent, notices, warnings };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
};

describe('SecureChat (client side, no sockets)', () => {
  it('proves a challenge on plain TCP, and on TLS refuses a server that will not bind the proof to the channel', async () => {
    const plain = chat();
    expect(plain.secure.command('/auth alice')).toBe(true);
    await until(() => plain.sent.length === 1);
    expect(plain.sent).toEqual(['AUTH alice']);
    plain.secure.received(`CHALLENGE ${Buffer.alloc(32).toString('base64')} lab none`);
    await until(() => plain.sent.length === 2);
    expect(plain.sent[1]).toMatch(/^PROVE \S{88}$/);

    const tls = chat(Buffer.alloc(32, 1).toString('base64'));
    tls.secure.command('/auth alice');
    await until(() => tls.sent.length === 1);
    tls.secure.received(`CHALLENGE ${Buffer.alloc(32).toString('base64')} lab none`);
    await until(() => tls.warnings.length === 1);
    expect(tls.sent).toEqual(['AUTH alice']);
    expect(tls.warnings.join('\n')).toMatch(/does not bind the login to our TLS connection/);
  });

  it('leaves protocol lines alone and explains misuse of slash commands', async () => {
    const { secure, sent, notices } = chat();
    expect(secure.command('MSG bob hi')).toBe(false);
    secure.command('/frob');
    secure.command('/e bob');
    secure.command('/safety bob');
    await until(() => notices.length === 3);
    expect(notices).toEqual([
      '/frob: unknown command; /help lists them',
      '/e: usage: /e <id> <text>',
      expect.stringMatching(/^\/safety: no pinned key for bob/),
    ]);
    expect(sent).toEqual([]);
    secure.command('/e bob early bird');
    await until(() => notices.length === 4);
    expect(notices[3]).toMatch(/not logged in securely yet/);
    expect(secure.busy()).toBe(true);
  });
});
