import { RawPeer } from './raw-peer.js';

/**
 * Plays a fixed conversation of two clients against a real server, cut on purpose: a request one
 * byte per segment, three requests in one segment, a request cut inside its verb and its id, a
 * CRLF line, an unknown verb, a MSG without text and a line that is not UTF-8. Each step waits for its replies, so
 * the PDU order on the wire is the same on every run.
 */
export async function playSegmentedTraffic(port: number): Promise<void> {
  const alice = await RawPeer.connect(port);
  await alice.waitFor('HELLO ');
  await alice.sendBytewise('LOGIN alice\n');
  await alice.waitFor('OK LOGIN alice\n');

  const bob = await RawPeer.connect(port);
  await bob.waitFor('HELLO ');
  await bob.sendChunks(['LOGIN bob\nLIST\nPING t1\n']);
  await bob.waitFor('PONG t1\n');
  await alice.waitFor('JOINED bob\n');

  await bob.sendChunks(['MS', 'G ali', 'ce hi there\n']);
  await bob.waitFor('OK MSG alice\n');
  await alice.waitFor('MSG bob alice hi there\n');

  await alice.sendChunks(['MSG ALL hello everyone\r\n']);
  await alice.waitFor('OK MSG ALL 1\n');
  await bob.waitFor('MSG alice ALL hello everyone\n');

  await alice.sendChunks(['NOPE x\n']);
  await alice.waitFor('ERR 400');
  await alice.sendChunks(['MSG bob\n']);
  await alice.waitFor('ERR 400 malformed request: MSG needs a text');
  await bob.sendChunks([Buffer.from([0xff, 0xfe, 0x0a])]);
  await bob.waitFor('ERR 400');

  await bob.sendChunks(['LOGOFF bob\n']);
  await bob.waitFor('OK LOGOFF bob\n');
  await alice.waitFor('LEFT bob\n');
  await bob.close();
  await alice.sendChunks(['LOGOFF al', 'ice\n']);
  await alice.waitFor('OK LOGOFF alice\n');
  await alice.close();
}
