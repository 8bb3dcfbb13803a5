import { clientIdKey } from '../protocol/index.js';
import { PresenceJournal } from './presence-journal.js';

/** A logged-in client as the router sees it. */
export interface Member {
  /** The id as given at LOGIN; others see it like that. */
  readonly id: string;
  /**
   * Queues bytes for this client without waiting. False when the client could not take them
   * (its link dropped it as a slow consumer, or it is closing): it did not receive them.
   */
  deliver(bytes: Buffer): boolean;
  /**
   * Kept by the router: where in the presence journal (the notices since the last flush) this member's next notice starts
   * (absent: 0). A member that delivers through the router's catchUp() first sees every
   * notice announced before the bytes it is given.
   */
  presenceCursor?: number;
}

/**
 * Told that notices wait; something must call endTurn later (the server: its PresencePacer, at
 * the next paced write flush). The default runs it at once.
 */
export type SchedulePresence = (endTurn: () => void) => void;

/**
 * Who is online, and fan-out. Members are keyed by clientIdKey, so a direct message finds its
 * target in O(1) and ids are unique case-insensitively.
 *
 * Slow-consumer policy: delivery never waits for a recipient. A recipient that cannot keep up
 * is dropped by its own link (see transport.ts, --max-queue) and does not count as reached;
 * everyone else gets the same bytes at once.
 *
 * Presence (JOINED / LEFT) goes through a journal per flush (presence-journal.ts): a member
 * receives the notices announced since its login as one range of shared bytes, before anything
 * else it is sent (catchUp) and at the latest at the next presence flush (endTurn). The order each
 * member sees is the order of events at the server, as if every notice had been sent at once.
 */
export class Router {
  readonly #members = new Map<string, Member>();
  readonly #journal = new PresenceJournal();
  readonly #schedule: SchedulePresence;
  #scheduled = false;

  constructor(schedule: SchedulePresence = (endTurn) => endTurn()) {
    this.#schedule = schedule;
  }

  get size(): number {
    return this.#members.size;
  }

  /** Adds a member; false when its id (in any case) is already online. */
  add(member: Member): boolean {
    const key = clientIdKey(member.id);
    if (this.#members.has(key)) return false;
    this.#members.set(key, member);
    // Notices announced before it logged in are not its to see.
    member.presenceCursor = this.#journal.length;
    return true;
  }

  /** Removes this member; false when it was not (or no longer) online. */
  remove(member: Member): boolean {
    const key = clientIdKey(member.id);
    if (this.#members.get(key) !== member) return false;
    this.#members.delete(key);
    // What was announced while it was online is its to see; from now on nothing is.
    this.catchUp(member);
    member.presenceCursor = Number.POSITIVE_INFINITY;
    return true;
  }

  /** Forgets everyone at once, without telling anyone (server shutdown). */
  clear(): void {
    this.#members.clear();
    this.#journal.clear();
  }

  /** The member with this id in any case. */
  find(id: string): Member | undefined {
    return this.#members.get(clientIdKey(id));
  }

  /** Ids online, in the order they logged in. */
  ids(): string[] {
    return Array.from(this.#members.values(), (member) => member.id);
  }

  /**
   * A presence notice (JOINED / LEFT) to every member online but `except`, in the journal: each
   * gets it with the other notices of this flush, as one range of shared bytes.
   */
  announce(line: string, except?: Member): void {
    if (except !== undefined) this.catchUp(except);
    this.#journal.append(line);
    if (except !== undefined && except.presenceCursor !== Number.POSITIVE_INFINITY) except.presenceCursor = this.#journal.length;
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#schedule(() => this.endTurn());
  }

  /** Hands `member` the notices announced since its last ones; call before sending it anything else. */
  catchUp(member: Member): void {
    const from = member.presenceCursor ?? 0;
    if (from >= this.#journal.length) return;
    member.presenceCursor = this.#journal.length;
    member.deliver(this.#journal.since(from));
  }

  /** The presence flush: every member gets the rest of its notices; the journal starts empty again. */
  endTurn(): void {
    this.#scheduled = false;
    if (this.#journal.length === 0) return;
    let end: number;
    do {
      // A delivery that announces (a member cut and leaving) appends: go round again for it.
      end = this.#journal.length;
      for (const member of this.#members.values()) this.catchUp(member);
    } while (this.#journal.length !== end);
    this.#journal.clear();
    for (const member of this.#members.values()) member.presenceCursor = 0;
  }

  // #region report:broadcast (report section 2.1: MSG ALL fan-out)
  /**
   * Encodes `line` once and hands the same Buffer to every member but `except`.
   * Returns how many took it.
   */
  broadcast(line: string, except?: Member): number {
    const bytes = Buffer.from(line, 'utf8');
    let reached = 0;
    for (const member of this.#members.values()) {
      if (member !== except && member.deliver(bytes)) reached++;
    }
    return reached;
  }
  // #endregion report:broadcast
}
