import { formatClock, formatTranscriptLine, type TranscriptKind } from '../../src/client/transcript.js';
import { escapeForTerminal } from '../../src/protocol/index.js';
import type { ClientDriver, ClientExit, ClientLauncher, ServerAddress } from '../../src/scenario/client-driver.js';

/** Lines the fake "server" sends in answer to a line a client sent: `[to, line]` pairs. */
export type FakeReplies = (from: string, line: string) => [string, string][];

export interface FakeBehaviour {
  /** Answers to what clients send; none by default. */
  replies?: FakeReplies;
  /** The client's first line (null: none, the connection stays silent). */
  greeting?: string | null;
  /** Never prints "connected to ...". */
  neverConnects?: boolean;
  /** launch() rejects with this message. */
  launchError?: string;
  /** Takes lines but never reports them as sent (a wedged client). */
  neverEchoes?: boolean;
  /** Ignores kill (a process stuck in the kernel). */
  unkillable?: boolean;
  /** Exit code when its input closes (like the real client, 0 by default). */
  exitOnEof?: number;
}

/**
 * A ClientLauncher without processes, for the runner's unit tests: each "client" prints the
 * real client's transcript lines (`* connected to`, `< HELLO ...`, `> sent`) a turn later, as
 * a process's stdout would, and answers through `replies`.
 */
export class FakeLauncher implements ClientLauncher {
  readonly where = 'fake clients';
  /** Every launch, in order, with the options it was given. */
  readonly launches: { name: string; server: ServerAddress; args: readonly string[] }[] = [];
  /** Every line written to a client's input, in order, with the number of the turn it came in. */
  readonly inputs: { client: string; line: string; turn: number }[] = [];
  readonly #behaviour: (name: string) => FakeBehaviour;
  readonly #clients = new Map<string, FakeClient>();
  #turn = 0;

  constructor(behaviour: FakeBehaviour | ((name: string) => FakeBehaviour) = {}) {
    this.#behaviour = typeof behaviour === 'function' ? behaviour : () => behaviour;
  }

  /** The client process last launched for `name`. */
  client(name: string): FakeClient {
    const client = this.#clients.get(name);
    if (client === undefined) throw new Error(`no fake client ${name}`);
    return client;
  }

  async launch(name: string, server: ServerAddress, onLine: (line: string) => void, extraArgs: readonly string[] = []): Promise<ClientDriver> {
    const behaviour = this.#behaviour(name);
    this.launches.push({ name, server, args: extraArgs });
    if (behaviour.launchError !== undefined) throw new Error(behaviour.launchError);
    const client = new FakeClient(name, behaviour, onLine, (from, line) => {
      this.inputs.push({ client: from, line, turn: this.#turn });
      // The turn counter moves once the current turn is over: lines given in one tick share it.
      queueMicrotask(() => this.#turn++);
      for (const [to, text] of behaviour.replies?.(from, line) ?? []) this.#clients.get(to)?.receive(text);
    });
    this.#clients.set(name, client);
    if (!behaviour.neverConnects) client.print('notice', `connected to ${server.host}:${server.port}`);
    if (!behaviour.neverConnects && behaviour.greeting !== null) client.receive(behaviour.greeting ?? 'HELLO CHAT-MSG/1 fake server');
    return client.driver;
  }
}

export class FakeClient {
  readonly name: string;
  readonly driver: ClientDriver;
  readonly #onLine: (line: string) => void;
  #ended: ((exit: ClientExit) => void) | undefined;
  #exit: ClientExit | undefined;

  constructor(name: string, behaviour: FakeBehaviour, onLine: (line: string) => void, sent: (from: string, line: string) => void) {
    this.name = name;
    this.#onLine = onLine;
    const exited = new Promise<ClientExit>((resolve) => (this.#ended = resolve));
    this.driver = {
      send: (line) => {
        if (this.#exit) return;
        sent(name, line);
        if (!behaviour.neverEchoes && !line.startsWith('/')) this.print('sent', escapeForTerminal(line));
      },
      endInput: () => this.exit(behaviour.exitOnEof ?? 0),
      kill: () => {
        if (!behaviour.unkillable) this.exit(null, 'SIGKILL');
      },
      exited,
    };
  }

  /** A line from the server, printed as the client prints it, a turn later. */
  receive(text: string): void {
    this.print('received', escapeForTerminal(text));
  }

  print(kind: TranscriptKind, text: string): void {
    if (this.#exit) return;
    const line = formatTranscriptLine({ time: formatClock(new Date()), kind, text });
    setImmediate(() => this.#onLine(line));
  }

  /** Ends the process (after the lines already printed reach the runner, as stdout closes first). */
  exit(code: number | null, signal: string | null = null, stderr = ''): void {
    if (this.#exit) return;
    this.#exit = { code, signal, stderr };
    const exit = this.#exit;
    setImmediate(() => this.#ended?.(exit));
  }
}
