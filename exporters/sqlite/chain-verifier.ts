import { ChainVerifier, type ChainLink } from '../../model/activity-chain.js';
import type { ChainVerification } from '../../model/agent.js';
import { chainedFieldsOf, type ActivityRow } from './activity-row.js';
import type { AgentRow } from './agent-row.js';
import type { Database } from './driver.js';

const PAGE = 1000;

/**
 * Feeds an agent's tombstones, then its retained events, to the chain rule
 * (model/activity-chain.ts) in pages of sequence order, stopping at the
 * first broken link.
 */
export function verifyChain(db: Database, agent: AgentRow): ChainVerification {
  const chain = new ChainVerifier(agent);
  const tombPage = db.prepare('SELECT sequence, id, prev_hash, hash FROM activity_tombstones WHERE agent_id = ? AND sequence >= ? ORDER BY sequence LIMIT ?');
  for (;;) {
    const rows = tombPage.all(agent.id, chain.next, PAGE) as ChainLink[];
    if (!rows.every((t) => chain.tombstone(t)) || rows.length < PAGE) break;
  }
  const eventPage = db.prepare('SELECT * FROM activity_events WHERE agent_id = ? AND sequence >= ? ORDER BY sequence LIMIT ?');
  while (chain.ok) {
    const rows = eventPage.all(agent.id, chain.next, PAGE) as ActivityRow[];
    if (!rows.every((e) => chain.event(e, () => chainedFieldsOf(e))) || rows.length < PAGE) break;
  }
  return chain.result();
}
