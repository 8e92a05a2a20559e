import type { Agent, AgentStatus } from '../../model/agent.js';
import { isoFromMicros } from '../../model/time.js';
import { trustBreakdown, type TrustState } from '../../model/trust-score.js';
import type { Database } from './driver.js';
import { usdFromNanos } from '../../model/cost.js';
import type { QueryScope } from '../store.js';

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

/** An agent's counters over one user's entries (table agent_user_usage). */
export interface UsageRow {
  action_count: number;
  error_count: number;
  cost_nanos: number;
  last_seen_us: number | null;
}

const NO_USAGE: UsageRow = { action_count: 0, error_count: 0, cost_nanos: 0, last_seen_us: null };

/**
 * The usage a scope may see of these agents: null for an organization-wide
 * scope (the agent row's own counters); for a user, each agent's counters
 * over that user's entries only, one primary-key lookup per agent.
 */
export function usageInScope(db: Database, scope: QueryScope | 'public', agentIds: readonly string[]): Map<string, UsageRow> | null {
  if (scope === 'public' || !scope.user_id) return null;
  const out = new Map<string, UsageRow>(agentIds.map((id) => [id, NO_USAGE]));
  if (agentIds.length === 0) return out;
  const rows = db
    .prepare(
      `SELECT agent_id, action_count, error_count, cost_nanos, last_seen_us FROM agent_user_usage
       WHERE user_id = ? AND agent_id IN (${agentIds.map(() => '?').join(',')})`,
    )
    .all(scope.user_id, ...agentIds) as Array<UsageRow & { agent_id: string }>;
  for (const r of rows) out.set(r.agent_id, r);
  return out;
}

/**
 * `usage` replaces the row's counters (every user's entries) with one user's.
 * Status, name, activity and trust score stay the agent's own: they are
 * properties of the agent in its organization, not sums over entries.
 */
export function agentFromRow(row: AgentRow, externalIds: string[], settings: AgentSettings, usage: UsageRow | null = null): Agent {
  const breakdown = trustBreakdown(trustStateOf(row), settings.now(), settings.trust_half_life_days);
  const counters: UsageRow = usage
    ? // the newest activity event is the organization's to see; the newest entry only the user's own
      { ...usage, last_seen_us: maxOrNull(usage.last_seen_us, row.chain_head_us) }
    : { action_count: row.action_count, error_count: row.error_count, cost_nanos: row.cost_nanos, last_seen_us: row.last_seen_us };
  return {
    id: row.id,
    asn: row.asn,
    name: row.name,
    organization_id: row.organization_id,
    status: row.status,
    external_ids: externalIds,
    created_at: isoFromMicros(row.created_us),
    last_seen_at: counters.last_seen_us === null ? null : isoFromMicros(counters.last_seen_us),
    action_count: counters.action_count,
    total_cost_usd: usdFromNanos(counters.cost_nanos),
    error_rate: counters.action_count === 0 ? 0 : counters.error_count / counters.action_count,
    activity_count: row.chain_length,
    trust_score: breakdown.score,
    trust_breakdown: breakdown,
  };
}

/** The agents as `scope` sees them (see usageInScope). */
export function agentsFromRows(db: Database, rows: AgentRow[], settings: AgentSettings, scope: QueryScope | 'public'): Agent[] {
  const agentIds = rows.map((r) => r.id);
  const ids = externalIdsOf(db, agentIds);
  const usage = usageInScope(db, scope, agentIds);
  return rows.map((r) => agentFromRow(r, ids.get(r.id) ?? [], settings, usage?.get(r.id) ?? null));
}

function maxOrNull(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}
