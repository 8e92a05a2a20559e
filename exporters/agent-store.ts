import type { ActionFeedItem, ActivityEvent, Actor, Agent, AgentStatus, ChainVerification } from '../model/agent.js';
import type { Severity } from '../model/trust-score.js';
import { UnsupportedQueryError, type QueryScope } from './store.js';

/**
 * The agent registry and its streams (DESIGN.md "Agents"): a capability a
 * store declares (`Store.agents`). The SQLite store has it, including the
 * write-time parts of `LedgerStore.write` (see the README, "Agents in a
 * store"); so does the Elasticsearch store (exporters/elasticsearch/agents-*.ts,
 * activity-*.ts). A store without them declares `agents: null`.
 *
 * Streams are append-only: nothing here updates or deletes an activity or
 * lifecycle event; `sweepExpired` (retention) is the only deletion, and it
 * keeps a tombstone with the hash of every chained event it removes.
 */
export interface AgentStore {
  /** Registers an agent in an organization; rejects with AgentConflictError when an external id is taken there. */
  registerAgent(input: { organization_id: string; name: string; external_ids: string[] }, actor: Actor): Promise<Agent>;
  /**
   * An agent by UUID, ASN or external id, within the scope (another
   * organization's agent is simply not there). `public` finds any
   * organization's agent, by UUID or ASN only (external ids are per
   * organization). A malformed ASN finds nothing.
   *
   * For a scope with a user (the user role), the usage fields (`action_count`,
   * `total_cost_usd`, `error_rate`, `last_seen_at`) count that user's entries
   * only, never another user's; name, status, ASN, activity and trust score
   * are the agent's own, organization-wide. The same holds for `listAgents`.
   */
  findAgent(scope: QueryScope | 'public', ref: string): Promise<Agent | null>;
  listAgents(query: AgentQuery): Promise<AgentPage>;
  /**
   * Records a lifecycle event when the status changes; `changed` false when it already was `status`.
   * The agent returned carries organization-wide usage: read it back with `findAgent` for a caller's scope.
   */
  setAgentStatus(agentId: string, status: AgentStatus, actor: Actor): Promise<{ agent: Agent; changed: boolean }>;
  /**
   * Appends events to their agents' hash chains, all or none, in order.
   * Rejects with ActivityRejectedError (naming the input's index) when an
   * agent does not exist or is deactivated at the time of writing.
   */
  reportActivity(events: ActivityInput[], reportedBy: string): Promise<ActivityEvent[]>;
  /** Newest first. `window` restricts the query to the agent's newest N events (the public view). */
  listActivity(query: ActivityQuery): Promise<{ data: ActivityEvent[]; total: number }>;
  /** Recomputes the agent's chain from its oldest tombstone to its head. */
  verifyActivityChain(agentId: string): Promise<ChainVerification>;
  /** Lifecycle events, ledger entries and activity events in [since, until], newest first, at most `limit`. */
  listAgentActions(query: ActionFeedQuery): Promise<ActionFeedItem[]>;
  getOrganizationPolicy(organizationId: string): Promise<OrganizationPolicy>;
  /** Rejects with RetentionPolicyError below MIN_RETENTION_DAYS unless `force`. */
  setOrganizationPolicy(organizationId: string, changes: Partial<OrganizationPolicy>, force?: boolean): Promise<OrganizationPolicy>;
  /**
   * Deletes every record past its organization's retention, in batches; the
   * only deletion path. `progress` hears the totals so far after each batch or
   * day (SQLite with an inline writer: every step; a writer thread: per phase).
   */
  sweepExpired(options: { now_us: number; batch_size: number; progress?: SweepProgress }): Promise<SweepReport>;
}

/**
 * A store without agents refuses every agent call with this reason: the
 * API's 400 on the agent routes (as a store refusing a query), the CLI's
 * error. Nothing is answered from part of the data, and the retention sweep,
 * which lives here, is reported as missing rather than silently skipped.
 */
export function agentsOf(store: { agents: AgentStore | null }): AgentStore {
  if (store.agents) return store.agents;
  throw new UnsupportedQueryError(NO_AGENTS);
}

export const NO_AGENTS = 'agents, activity reports and retention are not implemented by this store';

/** EU AI Act Article 19: logs of high-risk AI systems are kept at least six months. */
export const MIN_RETENTION_DAYS = 183;

export const DAY_US = 86_400_000_000;

/** The rule every store applies to a retention change: whole days, at least 1, and below the minimum only when forced. */
export function checkRetentionDays(days: number, force: boolean): void {
  if (!Number.isInteger(days) || days < 1) throw new RetentionPolicyError('retention must be a whole number of days, at least 1');
  if (days < MIN_RETENTION_DAYS && !force) {
    throw new RetentionPolicyError(
      `retention of ${days} days is below ${MIN_RETENTION_DAYS} days, the EU AI Act Article 19 minimum for such logs; force it only if these logs are not subject to it`,
    );
  }
}

/** expires_at of a record: its time plus its organization's retention (computed when read, see README "Retention"). */
export function expiresAtUs(timeUs: number, retentionDays: number): number {
  return timeUs + retentionDays * DAY_US;
}

export interface AgentQuery {
  scope: QueryScope;
  status?: AgentStatus;
  /** Case-insensitive substring of the name. */
  name?: string;
  /** 1-based. */
  page: number;
  per_page: number;
}

export interface AgentPage {
  data: Agent[];
  total: number;
}

export interface ActivityInput {
  /** The agent's UUID, already resolved and checked against the caller's organization. */
  agent_id: string;
  event_type: string;
  severity: Severity;
  metadata: Record<string, unknown>;
}

export interface ActivityQuery {
  agent_id: string;
  type?: string;
  from_us?: number;
  to_us?: number;
  /** 1-based. */
  page: number;
  per_page: number;
  window?: number;
}

export interface ActionFeedQuery {
  agent_id: string;
  /** Ledger entries are read within this scope (a user sees their own runs' actions). */
  scope: QueryScope;
  since_us: number;
  until_us: number;
  limit: number;
}

export interface OrganizationPolicy {
  retention_days: number;
  /** The activity seed's public view (50 newest events without a credential). */
  public_activity: boolean;
}

export interface SweepReport {
  entries: number;
  activity_events: number;
  lifecycle_events: number;
  runs: number;
}

/** Totals so far, and where the sweep is (`day 2025-01-31`, `organization acme: activity`). */
export type SweepProgress = (report: SweepReport, step: string) => void;

export class ActivityRejectedError extends Error {
  override name = 'ActivityRejectedError';
  constructor(
    readonly index: number,
    readonly reason: 'not_found' | 'deactivated',
    message: string,
  ) {
    super(message);
  }
}

export class AgentConflictError extends Error {
  override name = 'AgentConflictError';
}

export class RetentionPolicyError extends Error {
  override name = 'RetentionPolicyError';
}
