import { clientIdKey } from '../protocol/index.js';

/** A logged-in client as the router sees it. */
export interface Member {
  /** The id as given at LOGIN; others see it like that. */
  readonly id: string;
  /**
   * Queues bytes for this client without waiting. False when the client could not take them
   * (its link dropped it as a slow consumer, or it is closing): it did not receive them.
   */
  deliver(bytes: Buffer): boolean;
}

/**
 * Who is online, and fan-out. Members are keyed by clientIdKey, so a direct message finds its
 * target in O(1) and ids are unique case-insensitively.
 *
 * Slow-consumer policy: delivery never waits for a recipient. A recipient that cannot keep up
 * is dropped by its own link (see transport.ts, --max-queue) and does not count as reached;
 * everyone else gets the same bytes at once.
 */
export class Router {
  readonly #members = new Map<string, Member>();

  get size(): number {
    return this.#members.size;
  }

  /** Adds a member; false when its id (in any case) is already online. */
  add(member: Member): boolean {
    const key = clientIdKey(member.id);
    if (this.#members.has(key)) return false;
    this.#members.set(key, member);
    return true;
  }

  /** Removes this member; false when it was not (or no longer) online. */
  remove(member: Member): boolean {
    const key = clientIdKey(member.id);
    if (this.#members.get(key) !== member) return false;
    this.#members.delete(key);
    return true;
  }

  /** Forgets everyone at once, without telling anyone (server shutdown). */
  clear(): void {
    this.#members.clear();
  }

  /** The member with this id in any case. */
  find(id: string): Member | undefined {
    return this.#members.get(clientIdKey(id));
  }

  /** Ids online, in the order they logged in. */
  ids(): string[] {
    return Array.from(this.#members.values(), (member) => member.id);
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
