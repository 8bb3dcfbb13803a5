import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerAddress } from '../scenario/client-driver.js';
import type { AgentConnection } from './agent-connection.js';

/** How long the server gets to print `listening on`, and to stop after SIGTERM. */
const SERVER_START_MS = 15_000;
const SERVER_STOP_MS = 10_000;

type ServerExit = { code: number | null; signal: string | null };

/**
 * The lab's server, running in the server container under its agent. Shaped like the
 * scenario runner's LocalServer (address, command, log, stop) so the evidence treats both alike.
 */
export class AgentServer {
  readonly address: ServerAddress;
  readonly command: string;
  readonly #agent: AgentConnection;
  readonly #log: string[] = [];
  readonly #exit: Promise<ServerExit>;
  #stopping: Promise<number | null> | undefined;

  private constructor(agent: AgentConnection, address: ServerAddress, args: string[]) {
    this.#agent = agent;
    this.address = address;
    this.command = `chatmsg-server ${args.join(' ')} (in ${agent.host})`;
    let settle!: (exit: ServerExit) => void;
    this.#exit = new Promise((resolve) => (settle = resolve));
    agent.onEvent((event) => {
      if (event.ev === 'stderr' || event.ev === 'stdout') this.#log.push(event.line);
      else if (event.ev === 'error') this.#log.push(`agent: ${event.message}`);
      else if (event.ev === 'exit') settle({ code: event.code, signal: event.signal });
    });
    void agent.closed.then(() => settle({ code: null, signal: 'agent-lost' }));
  }

  /**
   * Starts `chatmsg-server <port> --host 0.0.0.0 ...args` through the agent and waits for its
   * `listening on` line. Throws with the server's own words when it does not start.
   */
  static async start(agent: AgentConnection, address: ServerAddress, extraArgs: readonly string[]): Promise<AgentServer> {
    const args = [String(address.port), '--host', '0.0.0.0', ...extraArgs];
    const server = new AgentServer(agent, address, args);
    agent.spawn('server', args);
    const deadline = Date.now() + SERVER_START_MS;
    let ended = false;
    void server.#exit.then(() => (ended = true));
    while (!server.#log.some((line) => line.includes('listening on'))) {
      if (ended || Date.now() > deadline) {
        throw new Error(`the server in ${agent.host} did not start: ${server.#log.slice(-3).join(' | ') || 'no output'}`);
      }
      await sleep(50);
    }
    return server;
  }

  /** Everything the server logged so far. */
  log(): string {
    return this.#log.map((line) => `${line}\n`).join('');
  }

  /** SIGTERM (the server says BYE and exits 0), once; resolves to its exit code (null: killed or lost). */
  stop(): Promise<number | null> {
    this.#stopping ??= (async () => {
      this.#agent.signal('SIGTERM');
      const timeout = new Promise<ServerExit>((resolve) =>
        setTimeout(() => resolve({ code: null, signal: 'timeout' }), SERVER_STOP_MS).unref(),
      );
      return (await Promise.race([this.#exit, timeout])).code;
    })();
    return this.#stopping;
  }
}
