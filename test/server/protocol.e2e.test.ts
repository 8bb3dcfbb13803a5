import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server-process.js';
import { LineSocket, SocketPool, sleep } from './line-socket.js';

// One compact end-to-end check per reply row and error of the spec, against the real server
// process over real sockets. (The conformance checker covers the same rows in depth.)
describe('CHAT-MSG/1 server, every reply row (e2e)', () => {
  let server: RunningServer;
  const pool = new SocketPool(() => server.port);
  const connect = () => pool.connect();
  const login = (id: string) => pool.login(id);

  beforeAll(async () => {
    server = await startServer(['--rate-limit', '0']);
  });
  afterAll(async () => {
    pool.destroyAll();
    await server.stop();
  });

  it('greets with HELLO CHAT-MSG/1 and free text', async () => {
    const client = await LineSocket.connect(server.port);
    expect(client.lines).toEqual([]);
    expect(await client.waitFor(/^HELLO /)).toMatch(/^HELLO CHAT-MSG\/1 \S/);
    client.destroy();
  });

  it('LOGIN: OK LOGIN to the sender, JOINED to every other logged-in client', async () => {
    const watcher = await login('row-login-w');
    const idle = await connect();
    const client = await connect();
    expect(await client.request('login Row-Login', /^(OK|ERR)/)).toBe('OK LOGIN Row-Login');
    expect(await watcher.waitFor(/^JOINED /)).toBe('JOINED Row-Login');
    await sleep(100);
    expect(idle.lines.filter((line) => line.startsWith('JOINED'))).toEqual([]);
  });

  it('MSG <id>: OK MSG to the sender, MSG <from> <id> <text> to that client only', async () => {
    const alice = await login('dm-alice');
    const bob = await login('dm-Bob');
    const carol = await login('dm-carol');
    expect(await alice.request('MSG dm-bob hello  there ', /^(OK|ERR)/)).toBe('OK MSG dm-Bob');
    expect(await bob.waitFor(/^MSG /)).toBe('MSG dm-alice dm-Bob hello  there ');
    await alice.request('PING sync', 'PONG sync');
    expect(carol.unread().filter((line) => line.startsWith('MSG'))).toEqual([]);
  });

  it('MSG ALL: OK MSG ALL <n>, the others get MSG <from> ALL <text>, no echo', async () => {
    const ids = ['bc-a', 'bc-b', 'bc-c'];
    const [a, b, c] = await Promise.all(ids.map(login));
    const online = Number((await a!.request('LIST', /^OK LIST/)).split(' ')[2]);
    expect(await a!.request('msg all hi all', /^(OK|ERR)/)).toBe(`OK MSG ALL ${online - 1}`);
    expect(await b!.waitFor(/^MSG bc-a/)).toBe('MSG bc-a ALL hi all');
    expect(await c!.waitFor(/^MSG bc-a/)).toBe('MSG bc-a ALL hi all');
    await a!.request('PING', 'PONG');
    expect(a!.lines.filter((line) => line.startsWith('MSG'))).toEqual([]);
  });

  it('the sender of a message is always the session id', async () => {
    const mallory = await login('spoof-m');
    const victim = await login('spoof-v');
    await mallory.request('MSG spoof-v spoof-x says hi', 'OK MSG spoof-v');
    expect(await victim.waitFor(/^MSG /)).toBe('MSG spoof-m spoof-v spoof-x says hi');
  });

  it('LOGOFF own id: OK LOGOFF then close; LEFT to the others', async () => {
    const watcher = await login('lo-w');
    const leaving = await login('lo-Leaver');
    expect(await leaving.request('LOGOFF lo-leaver', /^(OK|ERR)/)).toBe('OK LOGOFF lo-Leaver');
    await leaving.waitClosed();
    expect(await watcher.waitFor(/^LEFT lo-/)).toBe('LEFT lo-Leaver');
  });

  it('a connection closed without LOGOFF counts as logoff: LEFT to the others', async () => {
    const watcher = await login('gone-w');
    const gone = await login('gone-x');
    gone.socket.end();
    expect(await watcher.waitFor(/^LEFT gone-/)).toBe('LEFT gone-x');
  });

  it('LIST: OK LIST <n> <ids...> including the caller', async () => {
    const client = await login('list-me');
    const reply = await client.request('LIST', /^OK LIST/);
    const [, , count, ...ids] = reply.split(' ');
    expect(Number(count)).toBe(ids.length);
    expect(ids).toContain('list-me');
  });

  it('PING [token]: PONG [token], also before LOGIN', async () => {
    const client = await connect();
    expect(await client.request('PING', /^PONG/)).toBe('PONG');
    expect(await client.request('ping tok 42', /^PONG/)).toBe('PONG tok 42');
  });

  it('HELP: OK HELP with every verb', async () => {
    const client = await connect();
    expect(await client.request('help', /^OK HELP/)).toBe('OK HELP LOGIN MSG LOGOFF LIST PING HELP REGISTER AUTH PROVE PREKEY KEYS EMSG');
  });

  it('accepts CRLF and ignores empty lines', async () => {
    const client = await connect();
    client.send('\n\r\n\nPING crlf\r\n');
    expect(await client.waitFor(/^(PONG|ERR)/)).toBe('PONG crlf');
    await client.request('PING after', 'PONG after');
    expect(client.lines.filter((line) => line.startsWith('ERR'))).toEqual([]);
  });

  it.each([
    ['FROB x', /^ERR 400 .*unknown verb FROB/],
    ['LOGIN', /^ERR 400 .*needs a client-id/],
    ['LOGIN a b', /^ERR 400 /],
    ['LOGIN ALL', /^ERR 400 .*reserved/],
    ['LOGIN bad!id', /^ERR 400 .*invalid client-id/],
    ['LOGIN ' + 'x'.repeat(33), /^ERR 400 .*invalid client-id/],
    ['MSG x', /^ERR 400 /],
    ['MSG x ', /^ERR 400 .*empty text/],
    ['PING a\x1bb', /^ERR 400 .*control character 0x1b/],
    ['PING a\x7fb', /^ERR 400 .*control character 0x7f/],
  ])('400 for %j', async (line, expected) => {
    const client = await connect();
    expect(await client.request(line, /^(ERR|OK|PONG)/)).toMatch(expected);
    expect(await client.request('PING still-open', /^PONG/)).toBe('PONG still-open');
  });

  it('400 for text that is not valid UTF-8', async () => {
    const client = await login('utf8-bad');
    client.send(Buffer.from([...Buffer.from('MSG ALL '), 0xc3, 0x28, 0x0a]));
    expect(await client.waitFor(/^(ERR|OK)/)).toMatch(/^ERR 400 .*UTF-8/);
    expect(await client.request('MSG ALL caf\u00e9 \u2713', /^(ERR|OK)/)).toMatch(/^OK MSG ALL \d+$/);
  });

  it.each(['MSG bob hi', 'MSG ALL hi', 'LIST', 'LOGOFF bob'])('401 for %j before LOGIN', async (line) => {
    const client = await connect();
    expect(await client.request(line, /^(ERR|OK)/)).toMatch(/^ERR 401 /);
  });

  it('403 for LOGOFF of another id; the session stays', async () => {
    await login('forbid-other');
    const client = await login('forbid-me');
    expect(await client.request('LOGOFF forbid-other', /^(ERR|OK)/)).toMatch(/^ERR 403 /);
    expect(await client.request('LIST', /^OK LIST/)).toContain('forbid-other');
  });

  it('404 for MSG to an id that is not online', async () => {
    const client = await login('nf-me');
    expect(await client.request('MSG nobody-here hi', /^(ERR|OK)/)).toMatch(/^ERR 404 .*nobody-here/);
  });

  it('409 for an id already online in any case, and for a second LOGIN', async () => {
    await login('Dup-Id');
    const other = await connect();
    expect(await other.request('LOGIN dup-id', /^(ERR|OK)/)).toMatch(/^ERR 409 /);
    const client = await login('dup-two');
    expect(await client.request('LOGIN dup-three', /^(ERR|OK)/)).toMatch(/^ERR 409 .*already logged in as dup-two/);
    expect(await client.request('LIST', /^OK LIST/)).not.toContain('dup-three');
  });
});
