import { pdusOf, readCapture, type Frame, type Pdu } from './capture-model.js';
import { connectionsOf, type Connection } from './connections.js';
import { buildSequenceDiagram, type SequenceDiagram } from './sequence-diagram.js';
import { countServices, type ServiceUse } from './services.js';
import type { TsharkOptions } from './tshark.js';

/** Everything the report says about one capture, as data (tests assert on it). */
export interface Analysis {
  file: string;
  frames: Frame[];
  pdus: Pdu[];
  connections: Connection[];
  services: ServiceUse[];
  retransmissions: number[];
  resets: number[];
  diagram: SequenceDiagram;
}

export function analyzeFrames(file: string, frames: Frame[], serverPort?: number): Analysis {
  const pdus = pdusOf(frames);
  const connections = connectionsOf(frames, serverPort);
  return {
    file,
    frames,
    pdus,
    connections,
    services: countServices(pdus),
    retransmissions: connections.flatMap((c) => c.retransmissions).sort((a, b) => a - b),
    resets: connections.flatMap((c) => c.resets).sort((a, b) => a - b),
    diagram: buildSequenceDiagram(pdus, connections),
  };
}

/** Runs tshark with the dissector on a capture and analyses what it found. */
export async function analyzeCapture(file: string, options: TsharkOptions = {}): Promise<Analysis> {
  return analyzeFrames(file, await readCapture(file, options), options.port);
}

/** How many PDUs of a service the capture holds (0 when none). */
export const serviceCount = (analysis: Analysis, service: string): number =>
  analysis.services.find((s) => s.service === service)?.count ?? 0;
