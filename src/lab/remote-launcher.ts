import { SCENARIO_CLIENT_ARGS, type ClientDriver, type ClientExit, type ClientLauncher, type ServerAddress } from '../scenario/client-driver.js';
import type { AgentConnection } from './agent-connection.js';

/**
 * Starts each scenario client in its own lab container, through that container's agent.
 * Scenario clients take the agents in the order they first connect (the first one gets
 * client1 = 172.28.0.11 ...); a client that connects again reuses its own container.
 */
export class RemoteClientLauncher implements ClientLauncher {
  readonly where: string;
  readonly #agents: AgentConnection[];
  readonly #assigned = new Map<string, AgentConnection>();

  constructor(agents: AgentConnection[]) {
    this.#agents = agents;
    this.where = `lab containers ${agents.map((agent) => `${agent.host} (${agent.address.host})`).join(', ')}`;
  }

  /** Which container runs which scenario client so far: `alice -> client1 (172.28.0.11)`. */
  assignments(): string[] {
    return [...this.#assigned].map(([name, agent]) => `${name} -> ${agent.host} (${agent.address.host})`);
  }

  #agentFor(name: string): AgentConnection {
    let agent = this.#assigned.get(name);
    if (!agent) {
      agent = this.#agents[this.#assigned.size];
      if (!agent) throw new Error(`scenario client ${name}: the lab has only ${this.#agents.length} client containers`);
      this.#assigned.set(name, agent);
    }
    return agent;
  }

  async launch(name: string, server: ServerAddress, onLine: (line: string) => void): Promise<ClientDriver> {
    const agent = this.#agentFor(name);
    let stderr = '';
    let settle!: (exit: ClientExit) => void;
    const exited = new Promise<ClientExit>((resolve) => (settle = resolve));
    agent.onEvent((event) => {
      switch (event.ev) {
        case 'stdout':
          onLine(event.line);
          break;
        case 'stderr':
          stderr += `${event.line}\n`;
          break;
        case 'error':
          stderr += `agent: ${event.message}\n`;
          break;
        case 'exit':
          settle({ code: event.code, signal: event.signal, stderr });
          break;
      }
    });
    void agent.closed.then(() => settle({ code: null, signal: null, stderr: `${stderr}agent: control connection lost\n` }));
    agent.spawn('client', [server.host, String(server.port), ...SCENARIO_CLIENT_ARGS]);
    return {
      send: (line) => agent.stdin(Buffer.from(`${line}\n`)),
      endInput: () => agent.endStdin(),
      kill: () => agent.signal('SIGKILL'),
      exited,
    };
  }
}
