import { pdusOf, readCapture, TCP_FLAGS, type Frame, type Pdu } from '../../src/analyze/capture-model.js';

/** What a Docker lab capture shows, read with the real tshark and the project's dissector. */
export interface LabCapture {
  frames: Frame[];
  /** Source addresses of the connection-opening SYNs towards the chat port. */
  synSources: string[];
  /** Client -> server lines, one per (connection, line): retransmitted copies counted once. */
  requests: Pdu[];
  /** Server -> client lines, likewise. */
  responses: Pdu[];
}

/** Counts every PDU once even when TCP carried it twice (a retransmission under --wan). */
function unique(pdus: Pdu[]): Pdu[] {
  const seen = new Set<string>();
  return pdus.filter((pdu) => {
    const key = `${pdu.stream} ${pdu.src} ${pdu.line}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export async function readLabCapture(pcap: string, port: number): Promise<LabCapture> {
  const frames = await readCapture(pcap, { port });
  const syn = (f: Frame) => (f.tcp.flags & TCP_FLAGS.SYN) !== 0 && (f.tcp.flags & TCP_FLAGS.ACK) === 0;
  const pdus = unique(pdusOf(frames.filter((f) => !f.tcp.retransmission)));
  return {
    frames,
    synSources: frames.filter((f) => syn(f) && f.tcp.dstPort === port && !f.tcp.retransmission).map((f) => f.ip.src),
    requests: pdus.filter((pdu) => pdu.direction === 'request'),
    responses: pdus.filter((pdu) => pdu.direction === 'response'),
  };
}

/** The lines matching `pattern`, as `address line` strings (for readable assertion failures). */
export function linesMatching(pdus: Pdu[], pattern: RegExp): string[] {
  return pdus.filter((pdu) => pattern.test(pdu.line)).map((pdu) => `${pdu.src.replace(/:\d+$/, '')} ${pdu.line}`);
}
