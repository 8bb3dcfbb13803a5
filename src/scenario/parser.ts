import { basename, extname } from 'node:path';
import { parseDuration } from './duration.js';
import {
  DEFAULT_TIMEOUT_MS,
  type ExpectStep,
  type LinePattern,
  type Scenario,
  type SendStep,
  type SourceLocation,
  type Step,
} from './scenario.js';

/** A mistake in a scenario file; the message starts with `file:line:` so editors can jump to it. */
export class ScenarioSyntaxError extends Error {
  override name = 'ScenarioSyntaxError';
  constructor(
    readonly at: SourceLocation,
    readonly reason: string,
  ) {
    super(`${at.file}:${at.line}: ${reason}`);
  }
}

const HEADER_KEYS = ['name', 'description', 'clients', 'server', 'client'] as const;
type HeaderKey = (typeof HEADER_KEYS)[number];

const CLIENT_NAME = /^[A-Za-z0-9_.-]+$/;
/** `alice> line`, `alice< pattern`, `alice<< pattern`, `alice! action`. */
const CLIENT_STEP = /^([A-Za-z0-9_.-]+)(>|<<|<|!)(.*)$/;
const HEADER_LINE = /^([a-z]+):(.*)$/;
const BLOCK_OPEN = /^(together|unordered|repeat\s+(\d+))\s*\{$/;
const MAX_REPEAT = 10_000;

type BlockKind = 'together' | 'unordered' | 'repeat';

interface OpenBlock {
  kind: BlockKind;
  times: number;
  at: SourceLocation;
  steps: Step[];
}

/**
 * Parses the text of a scenario file. Pure: the file name is only used for messages and as
 * the default scenario name. Throws ScenarioSyntaxError at the first mistake.
 */
export function parseScenario(text: string, file: string): Scenario {
  const header = new Map<HeaderKey, string>();
  const top: Step[] = [];
  const stack: OpenBlock[] = [];
  let clients: string[] | undefined;
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  let sawStep = false;

  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const trimmed = line.trim();
    const at: SourceLocation = { file, line: index + 1, text: trimmed };
    const fail = (reason: string): never => {
      throw new ScenarioSyntaxError(at, reason);
    };
    if (trimmed === '' || trimmed.startsWith('#')) return;

    const headerMatch = HEADER_LINE.exec(trimmed);
    if (headerMatch) {
      const key = headerMatch[1] as HeaderKey;
      if (!HEADER_KEYS.includes(key)) fail(`unknown header "${key}:" (known: ${HEADER_KEYS.join(', ')})`);
      if (sawStep) fail(`header "${key}:" must come before the first step`);
      if (header.has(key)) fail(`header "${key}:" given twice`);
      const value = headerMatch[2]!.trim();
      if (value === '' && key !== 'server' && key !== 'client') fail(`header "${key}:" needs a value`);
      header.set(key, value);
      if (key === 'clients') clients = parseClientList(value, fail);
      return;
    }

    sawStep = true;
    const knownClients = clients ?? fail('the "clients:" header must come before the first step');
    const current = stack.at(-1);
    // A repeat block only unrolls; what may go inside depends on the block around it.
    const enclosing = stack.findLast((block) => block.kind !== 'repeat');
    const add = (step: Step) => {
      if (enclosing?.kind === 'together' && step.kind !== 'send') fail('only sends (alice> ...) are allowed inside together { }');
      if (enclosing?.kind === 'unordered' && step.kind !== 'expect') fail('only expectations (alice< ...) are allowed inside unordered { }');
      (current ? current.steps : top).push(step);
    };

    if (trimmed === '}') {
      const block = stack.pop() ?? fail('"}" without an open block');
      if (block.steps.length === 0) fail(`empty ${block.kind} block`);
      const parent = stack.at(-1);
      (parent ? parent.steps : top).push(...closeBlock(block, timeoutMs));
      return;
    }

    const blockMatch = BLOCK_OPEN.exec(trimmed);
    if (blockMatch) {
      const kind = blockMatch[1]!.split(/\s/)[0] as BlockKind;
      if (kind !== 'repeat' && enclosing) fail(`${kind} { } cannot be nested in ${enclosing.kind} { }`);
      const times = kind === 'repeat' ? Number(blockMatch[2]) : 1;
      if (kind === 'repeat' && !(times >= 1 && times <= MAX_REPEAT)) fail(`repeat count must be 1-${MAX_REPEAT}`);
      stack.push({ kind, times, at, steps: [] });
      return;
    }

    const [word, ...rest] = trimmed.split(/\s+/);
    if (word === 'timeout' || word === 'pause') {
      if (rest.length !== 1) fail(`${word} takes one duration such as 500ms or 2s`);
      const ms = parseDuration(rest[0]!) ?? fail(`bad duration "${rest[0]}": use a number with ms or s, such as 500ms or 2s`);
      if (word === 'timeout') {
        if (ms === 0) fail('timeout must be more than 0');
        timeoutMs = ms;
      } else {
        add({ kind: 'pause', durationMs: ms, at });
      }
      return;
    }

    const stepMatch = CLIENT_STEP.exec(line.trimStart());
    if (!stepMatch) fail(`cannot read "${trimmed}": expected a step such as "alice> LOGIN alice", "alice< OK LOGIN alice" or "pause 200ms"`);
    const [, client, sigil, after] = stepMatch as unknown as [string, string, string, string];
    if (!knownClients.includes(client)) fail(`unknown client "${client}" (clients: ${knownClients.join(' ')})`);
    if (after !== '' && !after.startsWith(' ')) fail(`put one space after "${client}${sigil}"`);
    const body = after.slice(1);
    switch (sigil) {
      case '>':
        add({ kind: 'send', client, line: unescapeSend(body, fail), at });
        return;
      case '<':
      case '<<':
        add({ kind: 'expect', client, pattern: parsePattern(body, fail), eventually: sigil === '<<', timeoutMs, at });
        return;
      default:
        add(parseAction(client, body, timeoutMs, at, fail));
    }
  });

  const open = stack.at(-1);
  if (open) throw new ScenarioSyntaxError(open.at, `${open.kind} block is never closed with "}"`);
  if (!clients) throw new ScenarioSyntaxError({ file, line: 1, text: '' }, 'missing header "clients:" (for example "clients: alice bob")');
  const description = header.get('description');
  if (description === undefined) throw new ScenarioSyntaxError({ file, line: 1, text: '' }, 'missing header "description:"');

  const connectAtStart = checkConnections(clients, top);
  return {
    name: header.get('name') ?? basename(file, extname(file)),
    description,
    clients,
    connectAtStart,
    serverArgs: words(header.get('server') ?? ''),
    clientArgs: words(header.get('client') ?? ''),
    file,
    steps: top,
  };
}

/**
 * A sent line may carry control characters written as the client shows them, `\x07`, so a
 * scenario can send what a keyboard cannot (to provoke ERR 400). `\\` is one backslash; any
 * other backslash is literal. LF and CR cannot be sent inside a line.
 */
function unescapeSend(body: string, fail: (reason: string) => never): string {
  return body.replace(/\\(\\|x([0-9a-fA-F]{2}))/g, (_match, _escape: string, hex: string | undefined) => {
    if (hex === undefined) return '\\';
    const code = Number.parseInt(hex, 16);
    if (code === 0x0a || code === 0x0d) fail(`\\x${hex} (a line end) cannot be sent inside a line`);
    return String.fromCharCode(code);
  });
}

const words = (text: string) => text.split(/\s+/).filter((word) => word !== '');

function parseClientList(value: string, fail: (reason: string) => never): string[] {
  const names = value.split(/\s+/);
  for (const name of names) {
    if (!CLIENT_NAME.test(name)) fail(`bad client name "${name}": use letters, digits, _ - .`);
  }
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) fail(`client "${duplicate}" listed twice`);
  return names;
}

function parsePattern(body: string, fail: (reason: string) => never): LinePattern {
  if (body === '') fail('expected line is empty: write the line, or "~ <regular expression>"');
  if (body !== '~' && !body.startsWith('~ ')) return { kind: 'exact', text: body };
  const source = body.slice(2);
  if (source === '') fail('"~" needs a regular expression after it');
  try {
    return { kind: 'regex', source, regex: new RegExp(`^(?:${source})$`, 'u') };
  } catch (error) {
    return fail(`bad regular expression: ${(error as Error).message}`);
  }
}

function parseAction(client: string, body: string, timeoutMs: number, at: SourceLocation, fail: (reason: string) => never): Step {
  const [action, ...args] = words(body);
  const noArgs = () => {
    if (args.length > 0) fail(`${action} takes no arguments`);
  };
  switch (action) {
    case 'connect':
      return { kind: 'connect', client, args, timeoutMs, at };
    case 'disconnect':
      noArgs();
      return { kind: 'disconnect', client, at };
    case 'eof':
      noArgs();
      return { kind: 'eof', client, at };
    case 'exit': {
      const code = args.length === 1 && /^\d{1,3}$/.test(args[0]!) ? Number(args[0]) : fail('exit takes one exit code, such as "exit 0"');
      return { kind: 'exit', client, code, timeoutMs, at };
    }
    case 'quiet': {
      const ms = args.length === 1 ? parseDuration(args[0]!) : undefined;
      if (ms === undefined || ms === 0) fail('quiet takes one duration, such as "quiet 300ms"');
      return { kind: 'quiet', client, durationMs: ms!, at };
    }
    default:
      return fail(`unknown action "${action}" (known: connect [client options], disconnect, eof, exit <code>, quiet <duration>)`);
  }
}

function closeBlock(block: OpenBlock, timeoutMs: number): Step[] {
  switch (block.kind) {
    case 'repeat':
      return Array.from({ length: block.times }, () => block.steps).flat();
    case 'together':
      return [{ kind: 'together', sends: block.steps as SendStep[], at: block.at }];
    case 'unordered':
      return [{ kind: 'unordered', expects: block.steps as ExpectStep[], timeoutMs, at: block.at }];
  }
}

/** Each client that the steps use must be connected first; returns those that connect at the start. */
function checkConnections(clients: string[], steps: Step[]): string[] {
  const explicit = new Set<string>();
  for (const step of steps) if (step.kind === 'connect') explicit.add(step.client);
  const connected = new Set(clients.filter((client) => !explicit.has(client)));
  const ended = new Set<string>();
  const leaf = (step: Step): Step[] =>
    step.kind === 'together' ? step.sends : step.kind === 'unordered' ? step.expects : [step];
  for (const step of steps.flatMap(leaf)) {
    if (!('client' in step)) continue;
    if (step.kind === 'connect') {
      if (connected.has(step.client) && !ended.has(step.client)) throw new ScenarioSyntaxError(step.at, `${step.client} is already connected`);
      connected.add(step.client);
      ended.delete(step.client);
    } else if (!connected.has(step.client)) {
      throw new ScenarioSyntaxError(step.at, `${step.client} is used before its "${step.client}! connect" step`);
    } else if (step.kind === 'exit' || step.kind === 'disconnect') {
      // Its process is gone: it may connect again (same machine, same files: a returning user).
      ended.add(step.client);
    }
  }
  return clients.filter((client) => !explicit.has(client));
}
