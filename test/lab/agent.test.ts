import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentConnection } from '../../src/lab/agent-connection.js';
import { parseCommand, type AgentEvent } from '../../src/lab/agent-protocol.js';
import { RemoteClientLauncher } from '../../src/lab/remote-launcher.js';
import { startServer, type RunningServer } from '../helpers/server-process.js';
import { AGENT_BIN, startAgent, type RunningAgent } from './agent-process.js';

const agents: RunningAgent[] = [];
let server: RunningServer | undefined;

afterEach(async () => {
  for (const agent of agents.splice(0)) {
    agent.process.kill('SIGTERM');
    await agent.process;
  }
  await server?.stop();
  server = undefined;
});

async function agentConnection(args: string[] = []) {
  const agent = await startAgent(args);
  agents.push(agent);
  return { agent, connection: await AgentConnection.open({ host: '127.0.0.1', port: agent.port }, 5000) };
}

/** Collects the agent's events until one matches. */
function waitForEvent(connection: AgentConnection, match: (event: AgentEvent) => boolean): Promise<AgentEvent[]> {
  const seen: AgentEvent[] = [];
  return new Promise((resolve) => {
    connection.onEvent((event) => {
      seen.push(event);
      if (match(event)) resolve(seen);
    });
  });
}

describe('lab agent', () => {
  it('runs a real client against a real server and relays its transcript and exit', async () => {
    server = await startServer();
    const { connection } = await agentConnection();
    const launcher = new RemoteClientLauncher([connection]);
    const lines: string[] = [];
    const driver = await launcher.launch('alice', { host: server.host, port: server.port }, (line) => lines.push(line));
    driver.send('LOGIN alice');
    driver.send('LOGOFF alice');
    const exit = await driver.exited;
    expect(exit.code).toBe(0);
    expect(lines.some((line) => / < OK LOGIN alice$/.test(line))).toBe(true);
    expect(lines.some((line) => / > LOGOFF alice$/.test(line))).toBe(true);
    expect(launcher.assignments()).toEqual([`alice -> ${connection.host} (127.0.0.1)`]);
  });

  it('kills the program on SIGKILL (an abrupt disconnect)', async () => {
    server = await startServer();
    const { connection } = await agentConnection();
    const launcher = new RemoteClientLauncher([connection]);
    const driver = await launcher.launch('bob', { host: server.host, port: server.port }, () => {});
    driver.kill();
    expect((await driver.exited).signal).toBe('SIGKILL');
  });

  it('reports a client that cannot connect with its non-zero exit and stderr', async () => {
    const { connection } = await agentConnection();
    const launcher = new RemoteClientLauncher([connection]);
    // Port 1 on loopback: nothing listens there.
    const driver = await launcher.launch('carol', { host: '127.0.0.1', port: 1 }, () => {});
    const exit = await driver.exited;
    expect(exit.code).not.toBe(0);
    expect(exit.stderr).not.toBe('');
  });

  it('refuses more scenario clients than containers', async () => {
    server = await startServer();
    const { connection } = await agentConnection();
    const launcher = new RemoteClientLauncher([connection]);
    await launcher.launch('alice', { host: server.host, port: server.port }, () => {});
    await expect(launcher.launch('bob', { host: server.host, port: server.port }, () => {})).rejects.toThrow(
      /only 1 client containers/,
    );
  });

  it('answers a bad command with an error event and keeps the connection', async () => {
    const { agent } = await agentConnection();
    const socket = connect(agent.port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.write('{"op":"spawn","program":"bash","args":[]}\nnot json\n{"op":"stdin","data":"eA=="}\n');
    await expect.poll(() => received.split('\n').filter((line) => line.includes('"error"')).length).toBe(3);
    expect(received).toContain('unknown program \\"bash\\"');
    expect(received).toContain('no program is running');
    socket.destroy();
  });

  it('refuses a second program while one runs', async () => {
    server = await startServer();
    const { connection } = await agentConnection();
    const events = waitForEvent(connection, (event) => event.ev === 'error');
    connection.spawn('client', [server.host, String(server.port)]);
    connection.spawn('client', [server.host, String(server.port)]);
    expect((await events).find((event) => event.ev === 'error')).toEqual({ ev: 'error', message: 'a program is already running' });
  });

  it('exits with --once when its controller leaves, and on shutdown', async () => {
    const once = await agentConnection(['--once']);
    once.connection.endStdin();
    await once.connection.shutdown();
    expect((await once.agent.process).exitCode).toBe(0);

    const plain = await agentConnection();
    await plain.connection.shutdown();
    expect((await plain.agent.process).exitCode).toBe(0);
    expect(plain.agent.log()).toContain('agent stopped');
  });

  it('gives up on an unreachable agent with a clear message', async () => {
    await expect(AgentConnection.open({ host: '127.0.0.1', port: 1 }, 500)).rejects.toThrow(/agent 127.0.0.1:1 unreachable/);
  });
});

describe('agent commands', () => {
  it('parses every valid command and rejects bad ones with a reason', () => {
    expect(parseCommand('{"op":"spawn","program":"server","args":["5151"]}')).toEqual({
      op: 'spawn',
      program: 'server',
      args: ['5151'],
    });
    expect(parseCommand('{"op":"signal","signal":"SIGKILL"}')).toEqual({ op: 'signal', signal: 'SIGKILL' });
    expect(() => parseCommand('{"op":"signal","signal":"SIGSTOP"}')).toThrow(/unknown signal/);
    expect(() => parseCommand('{"op":"spawn","program":"client","args":[1]}')).toThrow(/array of strings/);
    expect(() => parseCommand('{"op":"reboot"}')).toThrow(/unknown op/);
    expect(() => parseCommand('[]')).toThrow();
  });
});

describe('lab agent --wait', () => {
  it('gives up with exit 1 when no controller comes in time', async () => {
    const agent = await startAgent(['--wait', '0.3']);
    const result = await agent.process;
    expect(result.exitCode).toBe(1);
    expect(agent.log()).toContain('no controller came within 0.3 s');
  });

  it('rejects a bad --linger or --wait with one line and exit 2', async () => {
    const { execa } = await import('execa');
    const result = await execa('node', [AGENT_BIN, '--wait', 'soon'], { reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('bad --wait "soon"');
  });
});
