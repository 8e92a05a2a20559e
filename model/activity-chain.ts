import { activityEventHash, GENESIS_HASH, type ChainedEventFields } from './activity-hash.js';
import type { BrokenLink, ChainVerification } from './agent.js';

/** What the verifier knows of the agent: its head as recorded when each event was appended. */
export interface ChainOwner {
  id: string;
  asn: string;
  chain_length: number;
  chain_head: string | null;
}

/** A stored link: a retained event's or a tombstone's (an event removed by retention, its hash kept). */
export interface ChainLink {
  sequence: number;
  id: string;
  prev_hash: string;
  hash: string;
}

/**
 * The chain verification rule, store-neutral: fed an agent's links in
 * sequence order, tombstones first (checked for linkage only, their payload
 * is gone), then retained events (their hash recomputed from the stored
 * fields), then asked for the result, where the head kept on the agent must
 * be the last link (a removed tail shows there). A store reads its links in
 * pages and stops feeding once `ok` is false, so memory stays flat whatever
 * the chain's length.
 */
export class ChainVerifier {
  private prev = GENESIS_HASH;
  private expected = 1;
  private tombstones = 0;
  private checked = 0;
  private verifiedFrom: number | null = null;
  private broken: BrokenLink | null = null;

  constructor(private readonly owner: ChainOwner) {}

  /** False once a link is broken: nothing after it is checked. */
  get ok(): boolean {
    return this.broken === null;
  }

  /** The next sequence the chain needs: a store reads links from here. */
  get next(): number {
    return this.expected;
  }

  tombstone(t: ChainLink): boolean {
    if (!this.ok) return false;
    if (t.sequence !== this.expected) return this.fail(this.expected, null, 'missing_event', null, null);
    if (t.prev_hash !== this.prev) return this.fail(t.sequence, t.id, 'prev_hash_mismatch', this.prev, t.prev_hash);
    this.prev = t.hash;
    this.expected++;
    this.tombstones++;
    return true;
  }

  /** `fields` reads the stored event; stored fields that cannot be read break the link as a hash mismatch. */
  event(e: ChainLink, fields: () => ChainedEventFields): boolean {
    if (!this.ok) return false;
    if (e.sequence !== this.expected) return this.fail(this.expected, null, 'missing_event', null, null);
    this.verifiedFrom ??= e.sequence;
    if (e.prev_hash !== this.prev) return this.fail(e.sequence, e.id, 'prev_hash_mismatch', this.prev, e.prev_hash);
    let recomputed: string;
    try {
      recomputed = activityEventHash(fields(), e.prev_hash);
    } catch {
      recomputed = 'unreadable';
    }
    if (recomputed !== e.hash) return this.fail(e.sequence, e.id, 'hash_mismatch', recomputed, e.hash);
    this.checked++;
    this.prev = e.hash;
    this.expected++;
    return true;
  }

  result(): ChainVerification {
    if (this.ok) this.checkHead();
    const { owner } = this;
    return {
      agent_id: owner.id,
      asn: owner.asn,
      valid: this.broken === null,
      events_checked: this.checked,
      tombstones: this.tombstones,
      verified_from: this.verifiedFrom,
      head: { sequence: owner.chain_length, hash: owner.chain_head },
      first_broken: this.broken,
    };
  }

  private checkHead(): void {
    const last = this.expected - 1;
    const { chain_length: length, chain_head: head } = this.owner;
    if (last !== length) {
      if (last < length) this.fail(this.expected, null, 'missing_event', null, null);
      else this.fail(last, null, 'head_mismatch', head, this.prev);
    } else if (last > 0 && this.prev !== head) this.fail(last, null, 'head_mismatch', head, this.prev);
  }

  private fail(sequence: number, eventId: string | null, reason: BrokenLink['reason'], expected: string | null, found: string | null): false {
    this.broken = { sequence, event_id: eventId, reason, expected, found };
    return false;
  }
}
