#!/usr/bin/env node
/**
 * A minimal CHAT-MSG relay, the bench's `relay` peer (`--peers relay`, direct workload only):
 * what a Node server costs when it does nothing but the socket work of the direct workload.
 * It speaks HELLO, LOGIN, PING and `MSG <id>` answered with `OK MSG`, and nothing else: no log,
 * no validation, no presence, no coalescing of writes across sockets (one `socket.write` per
 * delivery, one per input chunk for the replies). Where ours and this relay trail ngIRCd + PING
 * alike, the gap is Node's, not our server's (docs/PERFORMANCE.md). Not a server for anything
 * but this comparison.
 *
 *   node dist/bench/minimal-relay.js PORT
 */
import { createServer, type Socket } from 'node:net';

const members = new Map<string, Socket>();

/** The replies to one input chunk; deliveries are written to their recipients as they come. */
function answer(lines: readonly string[], socket: Socket, session: { id: string | undefined }): string {
  let out = '';
  for (const line of lines) {
    const space = line.indexOf(' ');
    const verb = space === -1 ? line : line.slice(0, space);
    if (verb === 'MSG' && session.id !== undefined) {
      const textAt = line.indexOf(' ', 4);
      const to = line.slice(4, textAt);
      const target = members.get(to);
      if (target === undefined) {
        out += 'ERR 404 no such client\n';
      } else {
        target.write(`MSG ${session.id} ${to} ${line.slice(textAt + 1)}\n`);
        out += `OK MSG ${to}\n`;
      }
    } else if (verb === 'LOGIN') {
      session.id = line.slice(6);
      members.set(session.id, socket);
      out += `OK LOGIN ${session.id}\n`;
    } else if (verb === 'PING') {
      out += space === -1 ? 'PONG\n' : `PONG ${line.slice(5)}\n`;
    }
  }
  return out;
}

const server = createServer({ noDelay: true }, (socket) => {
  const session: { id: string | undefined } = { id: undefined };
  let pending = '';
  socket.setEncoding('latin1');
  socket.write('HELLO CHAT-MSG/1 relay\n');
  socket.on('error', () => {});
  socket.on('close', () => {
    if (session.id !== undefined) members.delete(session.id);
  });
  socket.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    const out = answer(lines, socket, session);
    if (out !== '') socket.write(out);
  });
});

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  process.stderr.write('usage: minimal-relay PORT\n');
  process.exit(2);
}
server.listen(port, '127.0.0.1');
