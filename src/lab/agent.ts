import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { LineDecoder } from '../protocol/index.js';
import {
  encodeMessage,
  parseCommand,
  type AgentCommand,
  type AgentEvent,
  type AgentProgram,
} from './agent-protocol.js';
import { SERVER_NODE_FLAGS } from '../server/node-flags.js';

/** The built entry point of each program an agent may start (next to this file in dist/). */
const PROGRAM_PATHS: Record<AgentProgram, string> = {
  client: fileURLToPath(new URL('../cli/client.js', import.meta.url)),
  server: fileURLToPath(new URL('../cli/server.js', import.meta.url)),
};

/** A control line longer than this is refused: stdin data is small protocol lines, base64. */
const MAX_COMMAND_BYTES = 1024 * 1024;

export interface AgentOptions {
  host: string;
  port: number;
  /** Exit after the first controller has gone (one scenario run per container). */
  once: boolean;
  /**
   * Stay this long after stopping, before `stopped` resolves: the capture sidecar shares the
   * server container's network namespace and must close its pcap before eth0 disappears.
   */
  lingerMs?: number;
  log: (line: string) => void;
}

/**
 * Runs in a lab container: accepts controller connections and, for each, starts at most one
 * CHAT-MSG program at a time, relaying its stdin, stdout, stderr and exit over the connection.
 */
export class LabAgent {
  readonly #options: AgentOptions;
  readonly #server: Server;
  readonly #sessions = new Set<AgentSession>();
  #stopped!: () => void;
  /** Resolves when the agent has stopped (shutdown, or the controller left with `once`). */
  readonly stopped = new Promise<void>((resolve) => (this.#stopped = resolve));
  #controllerCame!: () => void;
  /** Resolves when the first controller connects. */
  readonly controllerCame = new Promise<void>((resolve) => (this.#controllerCame = resolve));

  constructor(options: AgentOptions) {
    this.#options = options;
    this.#server = createServer((socket) => this.#accept(socket));
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host, () => resolve());
    });
    const address = this.#server.address() as AddressInfo;
    this.#options.log(`agent listening on ${address.address}:${address.port}`);
    return address;
  }

  /** Stops every program, closes every controller connection and the listener. */
  async stop(): Promise<void> {
    this.#server.close();
    await Promise.all([...this.#sessions].map((session) => session.close()));
    const linger = this.#options.lingerMs ?? 0;
    if (linger > 0) {
      this.#options.log(`lingering ${linger} ms`);
      await sleep(linger);
    }
    this.#stopped();
  }

  #accept(socket: Socket): void {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    this.#options.log(`controller ${peer} connected`);
    this.#controllerCame();
    const session = new AgentSession(socket, this.#options.log, () => void this.stop());
    this.#sessions.add(session);
    socket.on('close', () => {
      this.#options.log(`controller ${peer} left`);
      void session.close().then(() => {
        this.#sessions.delete(session);
        if (this.#options.once) void this.stop();
      });
    });
  }
}

/** One controller connection and the program it runs. */
class AgentSession {
  readonly #socket: Socket;
  readonly #log: (line: string) => void;
  readonly #onShutdown: () => void;
  #child: ChildProcess | undefined;
  #childExited: Promise<void> = Promise.resolve();

  constructor(socket: Socket, log: (line: string) => void, onShutdown: () => void) {
    this.#socket = socket;
    this.#log = log;
    this.#onShutdown = onShutdown;
    socket.setNoDelay(true);
    socket.on('error', (error) => log(`controller connection: ${error.message}`));
    const decoder = new LineDecoder(MAX_COMMAND_BYTES, {
      line: (bytes) => this.#command(bytes.toString('utf8')),
      tooLong: () => this.#send({ ev: 'error', message: `command longer than ${MAX_COMMAND_BYTES} bytes` }),
    });
    socket.on('data', (chunk) => decoder.push(chunk));
    this.#send({ ev: 'hello', host: hostname() });
  }

  /** Stops the program (SIGTERM, it says BYE or LOGOFF its own way) and closes the connection. */
  async close(): Promise<void> {
    this.#child?.kill('SIGTERM');
    await this.#childExited;
    this.#socket.end();
  }

  #send(event: AgentEvent): void {
    if (this.#socket.writable) this.#socket.write(encodeMessage(event));
  }

  #command(line: string): void {
    let command: AgentCommand;
    try {
      command = parseCommand(line);
    } catch (error) {
      this.#send({ ev: 'error', message: `bad command: ${(error as Error).message}` });
      return;
    }
    switch (command.op) {
      case 'spawn':
        this.#spawn(command.program, command.args);
        break;
      case 'stdin':
        if (this.#child?.stdin?.writable) this.#child.stdin.write(Buffer.from(command.data, 'base64'));
        else this.#send({ ev: 'error', message: 'no program is running' });
        break;
      case 'end-stdin':
        this.#child?.stdin?.end();
        break;
      case 'signal':
        if (this.#child?.exitCode === null) this.#child.kill(command.signal);
        break;
      case 'shutdown':
        this.#onShutdown();
        break;
    }
  }

  #spawn(program: AgentProgram, args: string[]): void {
    if (this.#child && this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#send({ ev: 'error', message: 'a program is already running' });
      return;
    }
    const nodeFlags = program === 'server' ? SERVER_NODE_FLAGS : [];
    const child = spawn(process.execPath, [...nodeFlags, PROGRAM_PATHS[program], ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    this.#child = child;
    this.#log(`started ${program} ${args.join(' ')} (pid ${child.pid})`);
    child.stdin.on('error', () => {}); // the program may exit with input still queued
    // Each stream is drained to its end before the exit is reported, so no line comes after it.
    const relay = (stream: NodeJS.ReadableStream, ev: 'stdout' | 'stderr') =>
      new Promise<void>((resolve) => {
        const lines = createInterface({ input: stream, crlfDelay: Infinity });
        lines.on('line', (text) => this.#send({ ev, line: text }));
        lines.on('close', resolve);
      });
    const drained = Promise.all([relay(child.stdout, 'stdout'), relay(child.stderr, 'stderr')]);
    this.#childExited = new Promise((resolve) => {
      child.on('error', (error) => {
        this.#send({ ev: 'error', message: `cannot start ${program}: ${error.message}` });
        this.#send({ ev: 'exit', code: null, signal: null });
        resolve();
      });
      child.on('spawn', () => this.#send({ ev: 'spawned', pid: child.pid! }));
      child.on('exit', (code, signal) => {
        void drained.then(() => {
          this.#log(`${program} exited (${signal ?? code})`);
          this.#send({ ev: 'exit', code, signal });
          resolve();
        });
      });
    });
  }
}
