import { describe, expect, it } from 'vitest';
import type { Frame, Pdu } from '../../src/analyze/capture-model.js';
import { connectionsOf } from '../../src/analyze/connections.js';

const CLIENT = { ip: '10.0.0.2', port: 40000 };
const SERVER = { ip: '10.0.0.1', port: 5151 };

/** A frame of stream 0; `fromClient` decides the direction, flags as in the TCP header. */
function frame(number: number, fromClient: boolean, flags: number, lines: string[] = []): Frame {
  const [src, dst] = fromClient ? [CLIENT, SERVER] : [SERVER, CLIENT];
  const pdus: Pdu[] = lines.map((line) => ({
    frame: number, carriedIn: [number], time: number, stream: 0, line, bytes: line.length + 1,
    src: `${src.ip}:${src.port}`, dst: `${dst.ip}:${dst.port}`, direction: fromClient ? 'request' : 'response',
  }));
  const payload = lines.reduce((n, l) => n + l.length + 1, 0);
  return {
    number, time: number, length: 66 + payload,
    ip: { version: 4, src: src.ip, dst: dst.ip, ttl: 64, totalLength: 52 + payload, headerLength: 20, id: '0x0000', proto: 6 },
    tcp: {
      stream: 0, srcPort: src.port, dstPort: dst.port, seq: 0, ack: 0, seqRaw: 0, ackRaw: 0, flags,
      window: 512, scaledWindow: 512, headerLength: 32, payloadLength: payload, retransmission: false,
    },
    pdus,
  };
}

const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;
const RST = 0x04;

describe('TCP connections', () => {
  it('finds the handshake, the teardown and the confirmed client-id (not a refused LOGIN)', () => {
    const frames = [
      frame(1, true, SYN), frame(2, false, SYN | ACK), frame(3, true, ACK),
      frame(4, true, ACK, ['LOGIN taken']), frame(5, false, ACK, ['ERR 409 id already online']),
      frame(6, true, ACK, ['LOGIN zoe']), frame(7, false, ACK, ['OK LOGIN zoe']),
      frame(8, true, FIN | ACK), frame(9, false, FIN | ACK), frame(10, true, ACK),
    ];
    const [c] = connectionsOf(frames, 5151);
    expect(c).toMatchObject({
      client: '10.0.0.2:40000', server: '10.0.0.1:5151', clientId: 'zoe',
      handshake: [1, 2, 3], fins: [8, 9], resets: [], pdus: 4,
    });
  });

  it('takes the id from OK AUTH of the secure service, and reports a reset', () => {
    const frames = [frame(1, true, ACK, ['AUTH ann']), frame(2, false, ACK, ['OK AUTH ann']), frame(3, true, RST)];
    const [c] = connectionsOf(frames, 5151);
    expect(c).toMatchObject({ clientId: 'ann', handshake: [], resets: [3], client: '10.0.0.2:40000' });
  });

  it('without a SYN or a request, the client is the side that does not use the server port', () => {
    const [c] = connectionsOf([frame(1, false, ACK, ['JOINED bob'])], 5151);
    expect(c).toMatchObject({ client: '10.0.0.2:40000', server: '10.0.0.1:5151' });
  });
});
