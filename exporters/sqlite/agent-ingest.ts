import type { Actor } from '../../model/agent.js';
import { parseAsn } from '../../model/asn.js';
import { observeAll } from '../../model/trust-score.js';
import { addToAgentDeltas, type AgentDelta } from '../agent-deltas.js';
import { insertAgent } from './agent-registration.js';
import { saveTrustState, trustStateOf, type AgentRow } from './agent-row.js';
import type { Database, Statement } from './driver.js';
import type { WriteRow } from './write-row.js';



const SYSTEM: Actor = { actor_type: 'system', actor_id: null };

/**
 * The agent side of ledger writes, in the entry writer's transaction and for
 * inserted entries only (a re-delivered span moves nothing): registers an
 * agent the first time a span names it, and keeps its counters, last-seen
 * time and trust state current, and its counters per user of the entries.
 */
export class AgentIngest {
  private readonly findByExternal: Statement;
  private readonly findByAsn: Statement;
  private readonly link: Statement;
  private readonly bump: Statement;
  private readonly row: Statement;
  private readonly bumpUser: Statement;

  constructor(
    private readonly db: Database,
    private readonly settings: { trust_half_life_days: number; now: () => number },
  ) {
    this.findByExternal = db.prepare('SELECT agent_id FROM agent_external_ids WHERE organization_id = ? AND external_id = ?').pluck();
    this.findByAsn = db.prepare('SELECT id FROM agents WHERE organization_id = ? AND asn = ?').pluck();
    this.link = db.prepare('INSERT INTO agent_external_ids (organization_id, external_id, agent_id) VALUES (?, ?, ?)');
    this.bump = db.prepare(`UPDATE agents SET action_count = action_count + ?, error_count = error_count + ?,
      cost_nanos = cost_nanos + ?, last_seen_us = max(coalesce(last_seen_us, ?), ?) WHERE id = ?`);
    this.row = db.prepare('SELECT * FROM agents WHERE id = ?');
    this.bumpUser = db.prepare(`INSERT INTO agent_user_usage (agent_id, user_id, action_count, error_count, cost_nanos, last_seen_us)
      VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (agent_id, user_id) DO UPDATE SET action_count = action_count + excluded.action_count,
      error_count = error_count + excluded.error_count, cost_nanos = cost_nanos + excluded.cost_nanos,
      last_seen_us = max(last_seen_us, excluded.last_seen_us)`);
  }

  begin(): AgentIngestBatch {
    return new AgentIngestBatch(this);
  }

  apply(deltas: Iterable<AgentDelta>): void {
    for (const d of deltas) {
      const agentId = this.resolve(d);
      this.bump.run(d.count, d.errors, d.cost_nanos, d.last_us, d.last_us, agentId);
      for (const [user, u] of d.users) this.bumpUser.run(agentId, user, u.count, u.errors, u.cost_nanos, u.last_us);
      const row = this.row.get(agentId) as AgentRow;
      saveTrustState(this.db, agentId, observeAll(trustStateOf(row), d.observations, this.settings.trust_half_life_days));
    }
  }

  /** The agent a span's agent id names: known, an ASN of the organization (then linked), or new. */
  private resolve(d: AgentDelta): string {
    const known = this.findByExternal.get(d.organization_id, d.external_id) as string | undefined;
    if (known) return known;
    const asn = parseAsn(d.external_id);
    const byAsn = asn ? (this.findByAsn.get(d.organization_id, asn) as string | undefined) : undefined;
    if (byAsn) {
      this.link.run(d.organization_id, d.external_id, byAsn);
      return byAsn;
    }
    return insertAgent(this.db, {
      organization_id: d.organization_id,
      name: d.name ?? d.external_id,
      external_ids: [d.external_id],
      now_us: this.settings.now(),
      actor: SYSTEM,
    });
  }
}

export class AgentIngestBatch {
  private readonly deltas = new Map<string, AgentDelta>();

  constructor(private readonly ingest: AgentIngest) {}

  /** Call for each inserted entry. */
  add(e: Pick<WriteRow, 'organization_id' | 'agent_id' | 'agent_name' | 'user_id' | 'kind' | 'outcome' | 'cost_nanos' | 'start_us'>): void {
    addToAgentDeltas(this.deltas, e);
  }

  flush(): void {
    this.ingest.apply(this.deltas.values());
  }
}

