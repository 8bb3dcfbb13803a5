import { renderBoxDiagram, type Arrow, type Box } from './boxes.js';

const CLIENT = '#eef3fb';
const SERVER = '#eef8ee';
const WIRE = '#fff4e0';

/** Client and server as the source tree lays them out: data flows one way through each. */
const BOXES: Box[] = [
  { id: 'terminal', column: 0, row: 0, label: 'Terminal UI', note: 'src/client/terminal.ts', fill: CLIENT },
  { id: 'secure', column: 1, row: 0, label: 'Secure chat (/e, /auth)', note: 'src/client/secure-chat.ts', fill: CLIENT },
  { id: 'connection', column: 0, row: 1, label: 'Connection', note: 'src/client/connection.ts', fill: CLIENT },
  { id: 'codec', column: 1, row: 1, label: 'Codec: bytes <-> PDUs', note: 'src/protocol/', fill: WIRE },
  { id: 'tcp', column: 0, row: 2, label: 'TCP socket (node:net)', note: 'one line per PDU, LF', fill: WIRE },
  { id: 'transport', column: 1, row: 2, label: 'Transport', note: 'src/server/transport.ts', fill: SERVER },
  { id: 'session', column: 2, row: 2, label: 'Session state machine', note: 'src/server/session.ts', fill: SERVER },
  { id: 'router', column: 2, row: 1, label: 'Router (who is online)', note: 'src/server/router.ts', fill: SERVER },
  { id: 'others', column: 2, row: 0, label: 'Other clients', note: 'MSG, JOINED, LEFT', fill: CLIENT },
];

const ARROWS: Arrow[] = [
  { from: 'terminal', to: 'connection', label: 'typed lines', both: true },
  { from: 'secure', to: 'connection', label: 'EMSG, PROVE' },
  { from: 'connection', to: 'codec', label: 'parse' },
  { from: 'connection', to: 'tcp', label: 'request lines', both: true },
  { from: 'tcp', to: 'transport', label: 'bytes', both: true },
  { from: 'transport', to: 'session', label: 'PDUs' },
  { from: 'session', to: 'router', label: 'deliver' },
  { from: 'router', to: 'others', label: 'fan-out' },
];

export const renderComponentDiagram = (): string => renderBoxDiagram(BOXES, ARROWS, 'CHAT-MSG client and server: components');
