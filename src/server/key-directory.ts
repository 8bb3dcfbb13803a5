import { clientIdKey } from '../protocol/index.js';
import type { Member } from './router.js';

/** A session's published prekey, valid while that member is online. */
export interface PublishedPrekey {
  member: Member;
  prekey: string;
  signature: string;
}

/**
 * What the secure extension holds across sessions, besides the registry: the prekeys of members
 * online and the ids reserved by a REGISTER whose PROVE is not done. Both shrink when sessions
 * end, so their size is bounded by the connections open (--max-clients), however many come and go.
 */
export class KeyDirectory {
  readonly #prekeys = new Map<string, PublishedPrekey>();
  readonly #reservations = new Map<string, object>();

  get prekeyCount(): number {
    return this.#prekeys.size;
  }

  get reservationCount(): number {
    return this.#reservations.size;
  }

  publish(entry: PublishedPrekey): void {
    this.#prekeys.set(clientIdKey(entry.member.id), entry);
  }

  /** The prekey `member` published in its current session, if any (a departed session's does not count). */
  prekeyOf(member: Member): PublishedPrekey | undefined {
    const entry = this.#prekeys.get(clientIdKey(member.id));
    return entry?.member === member ? entry : undefined;
  }

  /** Drops `member`'s prekey (its session ended). */
  withdraw(member: Member): void {
    if (this.prekeyOf(member) !== undefined) this.#prekeys.delete(clientIdKey(member.id));
  }

  /** Who holds the reservation of `id` (any case), if anyone. */
  reservedBy(id: string): object | undefined {
    return this.#reservations.get(clientIdKey(id));
  }

  reserve(id: string, holder: object): void {
    this.#reservations.set(clientIdKey(id), holder);
  }

  /** Ends `holder`'s reservation of `id`, if it still holds it. */
  release(id: string, holder: object): void {
    if (this.reservedBy(id) === holder) this.#reservations.delete(clientIdKey(id));
  }
}
