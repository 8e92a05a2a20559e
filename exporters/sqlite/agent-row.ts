import type { Agent, AgentStatus } from '../../model/agent.js';
import { isoFromMicros } from '../../model/time.js';
import { trustBreakdown, type TrustState } from '../../model/trust-score.js';
import type { Database } from './driver.js';
import { usdFromNanos } from '../../model/cost.js';

/** What the agent store needs besides the database: the trust half-life, the default retention and a clock. */
export interface AgentSettings {
  trust_half_life_days: number;
  /** Retention of organizations that set none (config `retention.days`). */
  retention_days: number;
  /** µs since the epoch; injected by tests to move time without sleeping. */
  now: () => number;
}

export const systemClock = (): number => Date.now() * 1000;

export interface AgentRow {
  id: string;
  asn: string;
  organization_id: string;
  name: string;
  status: AgentStatus;
  created_us: number;
  last_seen_us: number | null;
  action_count: number;
  error_count: number;
  cost_nanos: number;
  chain_length: number;
  chain_head: string | null;
  chain_head_us: number | null;
  trust_ref_us: number | null;
  trust_successes: number;
  trust_errors: number;
  trust_blocked: number;
  trust_incidents_info: number;
  trust_incidents_warning: number;
  trust_incidents_error: number;
  trust_incidents_critical: number;
}

export function trustStateOf(row: AgentRow): TrustState {
  return {
    ref_us: row.trust_ref_us,
    successes: row.trust_successes,
    errors: row.trust_errors,
    blocked: row.trust_blocked,
    incidents: {
      info: row.trust_incidents_info,
      warning: row.trust_incidents_warning,
      error: row.trust_incidents_error,
      critical: row.trust_incidents_critical,
    },
  };
}

/** Writes a trust state back onto its agent row (inside the caller's transaction). */
export function saveTrustState(db: Database, agentId: string, s: TrustState): void {
  db.prepare(
    `UPDATE agents SET trust_ref_us = ?, trust_successes = ?, trust_errors = ?, trust_blocked = ?, trust_incidents_info = ?,
       trust_incidents_warning = ?, trust_incidents_error = ?, trust_incidents_critical = ? WHERE id = ?`,
  ).run(s.ref_us, s.successes, s.errors, s.blocked, s.incidents.info, s.incidents.warning, s.incidents.error, s.incidents.critical, agentId);
}

export function externalIdsOf(db: Database, agentIds: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>(agentIds.map((id) => [id, []]));
  if (agentIds.length === 0) return out;
  const rows = db
    .prepare(`SELECT agent_id, external_id FROM agent_external_ids WHERE agent_id IN (${agentIds.map(() => '?').join(',')}) ORDER BY agent_id, external_id`)
    .all(...agentIds) as Array<{ agent_id: string; external_id: string }>;
  for (const r of rows) out.get(r.agent_id)?.push(r.external_id);
  return out;
}

export function agentFromRow(row: AgentRow, externalIds: string[], settings: AgentSettings): Agent {
  const breakdown = trustBreakdown(trustStateOf(row), settings.now(), settings.trust_half_life_days);
  return {
    id: row.id,
    asn: row.asn,
    name: row.name,
    organization_id: row.organization_id,
    status: row.status,
    external_ids: externalIds,
    created_at: isoFromMicros(row.created_us),
    last_seen_at: row.last_seen_us === null ? null : isoFromMicros(row.last_seen_us),
    action_count: row.action_count,
    total_cost_usd: usdFromNanos(row.cost_nanos),
    error_rate: row.action_count === 0 ? 0 : row.error_count / row.action_count,
    activity_count: row.chain_length,
    trust_score: breakdown.score,
    trust_breakdown: breakdown,
  };
}

export function agentsFromRows(db: Database, rows: AgentRow[], settings: AgentSettings): Agent[] {
  const ids = externalIdsOf(db, rows.map((r) => r.id));
  return rows.map((r) => agentFromRow(r, ids.get(r.id) ?? [], settings));
}
