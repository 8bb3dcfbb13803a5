/**
 * The lab agent's control protocol: newline-delimited JSON over TCP, one message per line.
 * The scenario runner (a controller) asks an agent in a client or server container to start a
 * CHAT-MSG program, feeds its stdin and hears its stdout/stderr lines and its exit. It runs on
 * its own port, so the chat port's capture filter never sees it.
 */

/** The agent's default TCP port: next to the chat port 5151, outside its capture filter. */
export const AGENT_PORT = 5152;

/** The only programs an agent starts: the lab network must not get a remote shell. */
export const AGENT_PROGRAMS = ['client', 'server'] as const;
export type AgentProgram = (typeof AGENT_PROGRAMS)[number];

/** Signals a controller may send to the running program (SIGKILL: an abrupt disconnect). */
export const AGENT_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGKILL'] as const;
export type AgentSignal = (typeof AGENT_SIGNALS)[number];

/** Controller -> agent. */
export type AgentCommand =
  | { op: 'spawn'; program: AgentProgram; args: string[] }
  /** Raw bytes for the program's stdin, base64 (so malformed or partial lines pass unchanged). */
  | { op: 'stdin'; data: string }
  | { op: 'end-stdin' }
  | { op: 'signal'; signal: AgentSignal }
  /** Stop the program if running and make the agent exit: the run is over. */
  | { op: 'shutdown' };

/** Agent -> controller. */
export type AgentEvent =
  | { ev: 'hello'; host: string }
  | { ev: 'spawned'; pid: number }
  | { ev: 'stdout'; line: string }
  | { ev: 'stderr'; line: string }
  | { ev: 'exit'; code: number | null; signal: string | null }
  | { ev: 'error'; message: string };

export function encodeMessage(message: AgentCommand | AgentEvent): string {
  return `${JSON.stringify(message)}\n`;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** Parses one controller line; throws an Error with a one-line reason when it is not a valid command. */
export function parseCommand(line: string): AgentCommand {
  const value: unknown = JSON.parse(line);
  if (typeof value !== 'object' || value === null) throw new Error('command is not an object');
  const message = value as Record<string, unknown>;
  switch (message.op) {
    case 'spawn':
      if (!AGENT_PROGRAMS.includes(message.program as AgentProgram)) {
        throw new Error(`unknown program ${JSON.stringify(message.program)}: expected ${AGENT_PROGRAMS.join(' or ')}`);
      }
      if (!isStringArray(message.args)) throw new Error('spawn.args must be an array of strings');
      return { op: 'spawn', program: message.program as AgentProgram, args: message.args };
    case 'stdin':
      if (typeof message.data !== 'string') throw new Error('stdin.data must be a base64 string');
      return { op: 'stdin', data: message.data };
    case 'signal':
      if (!AGENT_SIGNALS.includes(message.signal as AgentSignal)) {
        throw new Error(`unknown signal ${JSON.stringify(message.signal)}`);
      }
      return { op: 'signal', signal: message.signal as AgentSignal };
    case 'end-stdin':
    case 'shutdown':
      return { op: message.op };
    default:
      throw new Error(`unknown op ${JSON.stringify(message.op)}`);
  }
}

/** Parses one agent line (the agent is trusted: the shape is checked only by its `ev`). */
export function parseEvent(line: string): AgentEvent {
  const value = JSON.parse(line) as AgentEvent;
  if (typeof value !== 'object' || value === null || typeof value.ev !== 'string') {
    throw new Error(`not an agent event: ${line}`);
  }
  return value;
}
