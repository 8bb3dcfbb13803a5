import { describePattern, matches } from '../scenario/runner.js';
import type { ExpectStep, Scenario, SendStep, Step } from '../scenario/scenario.js';
import type { Pdu } from './capture-model.js';

/**
 * Checks a capture against a scenario: every line a client sends and every line it expects must be
 * a PDU on that client's TCP connection, in the scenario's order on that connection, and causally
 * consistent across connections: a line the runner sent only after an expectation was met must
 * appear after the PDU that met it.
 */
export interface ScenarioCheck {
  scenario: string;
  ok: boolean;
  /** Client name -> TCP stream it was matched to. */
  streams: Record<string, number>;
  matches: { step: string; client: string; frame: number }[];
  problems: string[];
}

type Event =
  | { kind: 'send'; step: SendStep }
  | { kind: 'expect'; step: ExpectStep }
  | { kind: 'group'; sends: SendStep[]; expects: ExpectStep[] };

const MAX_ASSIGNMENTS = 5000;

function eventsOf(steps: Step[]): Event[] {
  return steps.flatMap((step): Event[] => {
    switch (step.kind) {
      case 'send':
        return [{ kind: 'send', step }];
      case 'expect':
        return [{ kind: 'expect', step }];
      case 'together':
        return [{ kind: 'group', sends: step.sends, expects: [] }];
      case 'unordered':
        return [{ kind: 'group', sends: [], expects: step.expects }];
      default:
        return [];
    }
  });
}

const sameLine = (sent: string, wire: string) => sent.replace(/\r$/, '') === wire;
const where = (step: SendStep | ExpectStep) => `${step.at.file}:${step.at.line}`;
const describeStep = (step: SendStep | ExpectStep) =>
  step.kind === 'send'
    ? `${step.client}> ${step.line}`
    : `${step.client}${step.eventually ? '<<' : '<'} ${describePattern(step.pattern)}`;

interface Lanes {
  requests: Pdu[];
  responses: Pdu[];
}

function lanesByStream(pdus: Pdu[]): Map<number, Lanes> {
  const lanes = new Map<number, Lanes>();
  for (const pdu of pdus) {
    const lane = lanes.get(pdu.stream) ?? { requests: [], responses: [] };
    (pdu.direction === 'request' ? lane.requests : lane.responses).push(pdu);
    lanes.set(pdu.stream, lane);
  }
  return lanes;
}

/** How many of the client's sent lines occur, in order, among the stream's requests. */
function sendsMatched(sends: SendStep[], lane: Lanes): number {
  let i = 0;
  for (const pdu of lane.requests) if (i < sends.length && sameLine(sends[i]!.line, pdu.line)) i++;
  return i;
}

/** For a client no connection fits: its first sent line that even the best connection lacks. */
function firstMissingSend(sends: SendStep[], lanes: Map<number, Lanes>): string {
  const best = Math.max(0, ...[...lanes.values()].map((lane) => sendsMatched(sends, lane)));
  const step = sends[best]!;
  return `${where(step)}: ${describeStep(step)} is on no TCP connection that carries ${step.client}'s lines before it`;
}

function check(scenario: Scenario, events: Event[], lanes: Map<number, Lanes>, streams: Record<string, number>): ScenarioCheck {
  const cursor = new Map(scenario.clients.map((c) => [c, { request: 0, response: 0 }]));
  const result: ScenarioCheck = { scenario: scenario.name, ok: true, streams, matches: [], problems: [] };
  /** The latest frame the runner must have seen before it went on (an expectation met). */
  let seenUpTo = 0;
  const laneOf = (client: string) => lanes.get(streams[client]!) ?? { requests: [], responses: [] };

  const matchSend = (step: SendStep, mustFollow: number) => {
    const c = cursor.get(step.client)!;
    const list = laneOf(step.client).requests;
    const index = list.findIndex((p, i) => i >= c.request && sameLine(step.line, p.line));
    if (index === -1) return void result.problems.push(`${where(step)}: ${describeStep(step)} is not in the capture (after the PDUs matched before it)`);
    const pdu = list[index]!;
    c.request = index + 1;
    result.matches.push({ step: describeStep(step), client: step.client, frame: pdu.frame });
    if (pdu.carriedIn[0]! <= mustFollow) {
      result.problems.push(`${where(step)}: ${describeStep(step)} in frame ${pdu.frame} comes before frame ${mustFollow}, which the scenario waited for first`);
    }
  };

  const matchExpect = (step: ExpectStep, from: number, used: Set<Pdu>): number => {
    const list = laneOf(step.client).responses;
    const index = list.findIndex((p, i) => i >= from && !used.has(p) && matches(step.pattern, p.line));
    if (index === -1) {
      result.problems.push(`${where(step)}: ${describeStep(step)} is not in the capture (after the PDUs matched before it)`);
      return -1;
    }
    const pdu = list[index]!;
    used.add(pdu);
    result.matches.push({ step: describeStep(step), client: step.client, frame: pdu.frame });
    seenUpTo = Math.max(seenUpTo, pdu.frame);
    return index;
  };

  for (const event of events) {
    if (event.kind === 'send') matchSend(event.step, seenUpTo);
    else if (event.kind === 'expect') {
      const c = cursor.get(event.step.client)!;
      const index = matchExpect(event.step, c.response, new Set());
      if (index !== -1) c.response = index + 1;
    } else {
      const before = seenUpTo;
      for (const send of event.sends) matchSend(send, before);
      const used = new Set<Pdu>();
      const last = new Map<string, number>();
      for (const expect of event.expects) {
        const index = matchExpect(expect, cursor.get(expect.client)!.response, used);
        last.set(expect.client, Math.max(last.get(expect.client) ?? -1, index));
      }
      for (const [client, index] of last) if (index !== -1) cursor.get(client)!.response = index + 1;
    }
  }
  result.ok = result.problems.length === 0;
  return result;
}

/**
 * Tries the ways of mapping the scenario's clients to the capture's connections (a client can only
 * sit on a connection that carries its sent lines) and returns the first that passes, else the
 * attempt with the fewest problems.
 */
export function checkScenario(scenario: Scenario, pdus: Pdu[]): ScenarioCheck {
  const events = eventsOf(scenario.steps);
  const lanes = lanesByStream(pdus);
  const allSends = events.flatMap((e) => (e.kind === 'send' ? [e.step] : e.kind === 'group' ? e.sends : []));
  const candidates = scenario.clients.map((client) => {
    const sends = allSends.filter((s) => s.client === client);
    return [...lanes.entries()].filter(([, lane]) => sendsMatched(sends, lane) === sends.length).map(([stream]) => stream);
  });
  let best: ScenarioCheck | undefined;
  let tries = 0;
  const assign = (i: number, chosen: Record<string, number>, taken: Set<number>): ScenarioCheck | undefined => {
    if (tries >= MAX_ASSIGNMENTS) return undefined;
    if (i === scenario.clients.length) {
      tries++;
      const result = check(scenario, events, lanes, { ...chosen });
      if (!best || result.problems.length < best.problems.length) best = result;
      return result.ok ? result : undefined;
    }
    const client = scenario.clients[i]!;
    for (const stream of candidates[i]!) {
      if (taken.has(stream)) continue;
      taken.add(stream);
      const found = assign(i + 1, { ...chosen, [client]: stream }, taken);
      taken.delete(stream);
      if (found) return found;
    }
    return undefined;
  };
  const found = assign(0, {}, new Set());
  if (found) return found;
  if (best) return best;
  const unplaced = scenario.clients.filter((_, i) => candidates[i]!.length === 0);
  const problems = unplaced.map((client) => firstMissingSend(allSends.filter((s) => s.client === client), lanes));
  return {
    scenario: scenario.name,
    ok: false,
    streams: {},
    matches: [],
    problems: problems.length > 0 ? problems : [`the capture has fewer CHAT-MSG connections (${lanes.size}) than the scenario has clients (${scenario.clients.length})`],
  };
}
