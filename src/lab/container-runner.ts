import type { ServerAddress } from '../scenario/client-driver.js';
import { runScenario, type RunOptions, type ScenarioRun } from '../scenario/runner.js';
import type { Scenario } from '../scenario/scenario.js';
import { AgentConnection, type AgentAddress } from './agent-connection.js';
import { RemoteClientLauncher } from './remote-launcher.js';
import { AgentServer } from './server-agent.js';

/** Containers start in any order: the agents get this long to answer. */
const AGENT_WAIT_MS = 60_000;
/** When giving up before a run, the agents that answer soon are told to stop. */
const RELEASE_WAIT_MS = 10_000;

/** Tells every agent that answers the run is over (they exit), for a runner that cannot run. */
export async function releaseAgents(addresses: AgentAddress[]): Promise<void> {
  await Promise.allSettled(addresses.map(async (address) => (await AgentConnection.open(address, RELEASE_WAIT_MS)).shutdown()));
}

export interface LabScenarioOptions {
  scenario: Scenario;
  /** Where the clients connect: the lab's server container, or a remote server. */
  server: ServerAddress;
  /** The server container's agent; absent when the server is remote (not ours to start). */
  serverAgent?: AgentAddress;
  clientAgents: AgentAddress[];
  onStep?: RunOptions['onStep'];
  onInfo: (text: string) => void;
}

export interface LabScenarioRun {
  run: ScenarioRun;
  /** The lab server (stopped), when this run started it. */
  server?: AgentServer;
  serverExitCode?: number | null;
  /** Which container ran which scenario client. */
  assignments: string[];
}

/**
 * Runs a scenario in the Docker lab: the server through the server container's agent, each
 * client in its own container through that container's agent. Always stops the server and
 * tells every agent the run is over, so the whole lab stops by itself.
 */
export async function runLabScenario(options: LabScenarioOptions): Promise<LabScenarioRun> {
  const { onInfo } = options;
  onInfo(`waiting for the agents: ${options.clientAgents.map((a) => a.host).join(', ')}${options.serverAgent ? `, server ${options.serverAgent.host}` : ''}`);
  const opened = await Promise.allSettled(
    [...(options.serverAgent ? [options.serverAgent] : []), ...options.clientAgents].map((a) => AgentConnection.open(a, AGENT_WAIT_MS)),
  );
  const agents = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const shutdown = () => Promise.all(agents.map((agent) => agent.shutdown()));
  const failed = opened.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await shutdown();
    throw failed.reason;
  }
  const serverAgent = options.serverAgent ? agents[0] : undefined;
  const clientAgents = serverAgent ? agents.slice(1) : agents;

  let server: AgentServer | undefined;
  try {
    if (serverAgent) {
      server = await AgentServer.start(serverAgent, options.server, options.scenario.serverArgs);
      onInfo(`server started: ${server.command}`);
    }
    const launcher = new RemoteClientLauncher(clientAgents);
    const run = await runScenario(options.scenario, {
      launcher,
      server: options.server,
      onInfo,
      ...(options.onStep ? { onStep: options.onStep } : {}),
    });
    const serverExitCode = server ? await server.stop() : undefined;
    return {
      run,
      assignments: launcher.assignments(),
      ...(server ? { server, serverExitCode } : {}),
    };
  } finally {
    // A failed start must not leave the server running: the capture waits for it to stop.
    if (server) await server.stop();
    await shutdown();
  }
}
