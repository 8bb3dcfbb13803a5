import { renderBoxDiagram, type Arrow, type Box } from './boxes.js';

/** The session states of docs/PROTOCOL.md section 4 and the events between them. */
const STATES: Box[] = [
  { id: 'start', column: 0, row: 0, label: 'TCP connect', note: 'server sends HELLO', fill: '#f4f4f4' },
  { id: 'connected', column: 1, row: 0, label: 'connected', note: 'PING, HELP; others -> ERR 401' },
  { id: 'logged-in', column: 1, row: 1, label: 'logged-in', note: 'MSG, MSG ALL, LIST, PING, HELP' },
  { id: 'closed', column: 2, row: 1, label: 'closed', note: 'input ignored', fill: '#f4f4f4' },
];

const EVENTS: Arrow[] = [
  { from: 'start', to: 'connected' },
  { from: 'connected', to: 'logged-in', label: 'LOGIN -> OK LOGIN' },
  { from: 'connected', to: 'closed', label: '408, close, BYE' },
  { from: 'logged-in', to: 'closed', label: 'LOGOFF, close' },
];

export const renderStateMachine = (): string => renderBoxDiagram(STATES, EVENTS, 'Session state machine (PROTOCOL.md section 4)');
