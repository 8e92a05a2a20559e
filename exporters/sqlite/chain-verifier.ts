import { activityEventHash, GENESIS_HASH } from '../../model/activity-hash.js';
import type { BrokenLink, ChainVerification } from '../../model/agent.js';
import { chainedFieldsOf, type ActivityRow } from './activity-row.js';
import type { AgentRow } from './agent-row.js';
import type { Database } from './driver.js';

const PAGE = 1000;

interface TombstoneRow {
  sequence: number;
  id: string;
  prev_hash: string;
  hash: string;
}

/**
 * Walks an agent's chain from its first link: tombstones (events removed by
 * retention) are checked for linkage only, since their payload is gone;
 * retained events have their hash recomputed from the stored fields. Then the
 * head kept on the agent must be the last link (a removed tail shows here).
 * Reads in pages, so memory stays flat whatever the chain's length; stops at
 * the first broken link.
 */
export function verifyChain(db: Database, agent: AgentRow): ChainVerification {
  let prev = GENESIS_HASH;
  let expected = 1;
  let tombstones = 0;
  let checked = 0;
  let verifiedFrom: number | null = null;
  const result = (first: BrokenLink | null): ChainVerification => ({
    agent_id: agent.id,
    asn: agent.asn,
    valid: first === null,
    events_checked: checked,
    tombstones,
    verified_from: verifiedFrom,
    head: { sequence: agent.chain_length, hash: agent.chain_head },
    first_broken: first,
  });
  const link = (seq: number, id: string | null, reason: BrokenLink['reason'], want: string | null, found: string | null) =>
    result({ sequence: seq, event_id: id, reason, expected: want, found });

  const tombPage = db.prepare('SELECT sequence, id, prev_hash, hash FROM activity_tombstones WHERE agent_id = ? AND sequence >= ? ORDER BY sequence LIMIT ?');
  for (;;) {
    const rows = tombPage.all(agent.id, expected, PAGE) as TombstoneRow[];
    for (const t of rows) {
      if (t.sequence !== expected) return link(expected, null, 'missing_event', null, null);
      if (t.prev_hash !== prev) return link(t.sequence, t.id, 'prev_hash_mismatch', prev, t.prev_hash);
      prev = t.hash;
      expected++;
      tombstones++;
    }
    if (rows.length < PAGE) break;
  }

  const eventPage = db.prepare('SELECT * FROM activity_events WHERE agent_id = ? AND sequence >= ? ORDER BY sequence LIMIT ?');
  for (;;) {
    const rows = eventPage.all(agent.id, expected, PAGE) as ActivityRow[];
    for (const e of rows) {
      if (e.sequence !== expected) return link(expected, null, 'missing_event', null, null);
      verifiedFrom ??= e.sequence;
      if (e.prev_hash !== prev) return link(e.sequence, e.id, 'prev_hash_mismatch', prev, e.prev_hash);
      let recomputed: string;
      try {
        recomputed = activityEventHash(chainedFieldsOf(e), e.prev_hash);
      } catch {
        recomputed = 'unreadable';
      }
      if (recomputed !== e.hash) return link(e.sequence, e.id, 'hash_mismatch', recomputed, e.hash);
      checked++;
      prev = e.hash;
      expected++;
    }
    if (rows.length < PAGE) break;
  }

  const last = expected - 1;
  if (last !== agent.chain_length) {
    return last < agent.chain_length ? link(expected, null, 'missing_event', null, null) : link(last, null, 'head_mismatch', agent.chain_head, prev);
  }
  if (last > 0 && prev !== agent.chain_head) return link(last, null, 'head_mismatch', agent.chain_head, prev);
  return result(null);
}
