import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { whenConnected } from '../client/when-connected.js';
import { LineDecoder } from '../protocol/index.js';
import {
  encodeMessage,
  parseEvent,
  type AgentCommand,
  type AgentEvent,
  type AgentProgram,
  type AgentSignal,
} from './agent-protocol.js';

/** host:port of an agent. */
export interface AgentAddress {
  host: string;
  port: number;
}

/** Agent events are small lines; a bigger one means something is wrong. */
const MAX_EVENT_BYTES = 1024 * 1024;

/** Parses `host:port`; throws with a one-line reason. */
export function parseAgentAddress(text: string): AgentAddress {
  const match = /^([^:\s]+):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match || !(port >= 1 && port <= 65535)) throw new Error(`bad agent address ${JSON.stringify(text)}: expected host:port`);
  return { host: match[1]!, port };
}

async function connectOnce(address: AgentAddress, timeoutMs: number): Promise<Socket> {
  const socket = connect(address.port, address.host);
  await whenConnected(socket, timeoutMs);
  return socket;
}

/**
 * The controller's end of one agent's control connection (see agent-protocol.ts): starts the
 * agent's program, feeds its stdin and hands its events to whoever listens.
 */
export class AgentConnection {
  readonly address: AgentAddress;
  /** The container's host name, from the agent's hello. */
  host = '';
  readonly #socket: Socket;
  #listener: (event: AgentEvent) => void = () => {};
  readonly #closed: Promise<void>;

  private constructor(address: AgentAddress, socket: Socket) {
    this.address = address;
    this.#socket = socket;
    socket.setNoDelay(true);
    const decoder = new LineDecoder(MAX_EVENT_BYTES, {
      line: (bytes) => this.#listener(parseEvent(bytes.toString('utf8'))),
      tooLong: () => this.#listener({ ev: 'error', message: 'agent event too long' }),
    });
    socket.on('data', (chunk) => decoder.push(chunk));
    socket.on('error', () => {}); // 'close' follows and says it all
    this.#closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  /** Connects, retrying until `timeoutMs` has passed (containers start in any order), and waits for the hello. */
  static async open(address: AgentAddress, timeoutMs: number): Promise<AgentConnection> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const connection = new AgentConnection(address, await connectOnce(address, Math.max(1000, deadline - Date.now())));
        await connection.#hello(Math.max(1000, deadline - Date.now()));
        return connection;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`agent ${address.host}:${address.port} unreachable: ${(error as Error).message}`, { cause: error });
        }
        await sleep(250);
      }
    }
  }

  #hello(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no hello from the agent')), timeoutMs);
      this.#listener = (event) => {
        if (event.ev !== 'hello') return;
        clearTimeout(timer);
        this.host = event.host;
        resolve();
      };
      void this.#closed.then(() => {
        clearTimeout(timer);
        reject(new Error('the agent closed the connection'));
      });
    });
  }

  /** Where the agent's events go from now on (one listener: the program currently running). */
  onEvent(listener: (event: AgentEvent) => void): void {
    this.#listener = listener;
  }

  /** Resolves when the control connection has closed. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  #send(command: AgentCommand): void {
    if (this.#socket.writable) this.#socket.write(encodeMessage(command));
  }

  spawn(program: AgentProgram, args: string[]): void {
    this.#send({ op: 'spawn', program, args });
  }

  stdin(bytes: Buffer): void {
    this.#send({ op: 'stdin', data: bytes.toString('base64') });
  }

  endStdin(): void {
    this.#send({ op: 'end-stdin' });
  }

  signal(signal: AgentSignal): void {
    this.#send({ op: 'signal', signal });
  }

  /** Tells the agent the run is over (it stops its program and exits), then closes. */
  async shutdown(): Promise<void> {
    this.#send({ op: 'shutdown' });
    this.#socket.end();
    await Promise.race([this.#closed, sleep(5000)]);
    this.#socket.destroy();
  }
}
