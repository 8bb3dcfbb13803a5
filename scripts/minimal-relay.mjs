#!/usr/bin/env node
// A minimal CHAT-MSG relay, for comparison in docs/PERFORMANCE.md: node scripts/minimal-relay.mjs PORT, then
// npm run bench -- --only direct --server 127.0.0.1:PORT --peers none. It speaks what the direct workload
// needs (HELLO, LOGIN, PING, MSG <id> answered with OK MSG) and nothing else: no log, no validation,
// no presence, no coalescing of writes across sockets. Not a server for anything but this comparison.
import net from 'node:net';
const members = new Map();
const server = net.createServer({ noDelay: true }, (socket) => {
  let id; let pending = '';
  socket.write('HELLO CHAT-MSG/1 relay\n');
  socket.setEncoding('latin1');
  socket.on('error', () => {});
  socket.on('close', () => { if (id !== undefined) members.delete(id); });
  socket.on('data', (chunk) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop();
    let out = '';
    for (const line of lines) {
      const sp = line.indexOf(' ');
      const verb = sp === -1 ? line : line.slice(0, sp);
      if (verb === 'MSG') {
        const sp2 = line.indexOf(' ', 4);
        const to = line.slice(4, sp2);
        const target = members.get(to);
        if (target) { target.write(`MSG ${id} ${to} ${line.slice(sp2 + 1)}\n`); out += `OK MSG ${to}\n`; } else out += 'ERR 404 no such client\n';
      } else if (verb === 'LOGIN') { id = line.slice(6); members.set(id, socket); out += `OK LOGIN ${id}\n`; } else if (verb === 'PING') out += sp === -1 ? 'PONG\n' : `PONG ${line.slice(5)}\n`;
    }
    if (out) socket.write(out);
  });
});
server.listen(+process.argv[2], '127.0.0.1');
