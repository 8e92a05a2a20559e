/** Agents as records of their own (DESIGN.md "Agents"), and the three streams that hang off them. */

import type { Severity, TrustBreakdown } from './trust-score.js';

export const AGENT_STATUSES = ['active', 'deactivated'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export interface Agent {
  id: string;
  asn: string;
  name: string;
  organization_id: string;
  status: AgentStatus;
  /** The `agent_id` values its spans carry. */
  external_ids: string[];
  created_at: string;
  /** Its newest ledger entry or activity event; null before either. */
  last_seen_at: string | null;
  /** Ledger entries (actions), their cost, and the share that failed. */
  action_count: number;
  total_cost_usd: number;
  error_rate: number;
  /** Activity events reported, i.e. the length of its hash chain (tombstoned ones included). */
  activity_count: number;
  trust_score: number;
  trust_breakdown: TrustBreakdown;
}

/** Who changed something: from the credential, or the server itself. */
export interface Actor {
  actor_type: 'user' | 'api_key' | 'jwt' | 'system';
  actor_id: string | null;
}

/** The activity seed's event, plus its place in the agent's hash chain and its expiry. */
export interface ActivityEvent {
  id: string;
  agent_id: string;
  event_type: string;
  severity: Severity;
  metadata: Record<string, unknown>;
  reported_by: string;
  created_at: string;
  sequence: number;
  prev_hash: string;
  hash: string;
  expires_at: string;
}

/** The actions feed's LifecycleEvent (agent-actions-feed.txt). */
export interface LifecycleEvent {
  organization_id: string;
  resource_id: string;
  resource_name: string;
  provider: string;
  resource_type: string;
  event_type: string;
  to_state: string;
  id: string;
  from_state: string | null;
  actor_type: string | null;
  actor_id: string | null;
  error: string | null;
  timestamp: string;
  expires_at: string;
}

/** The actions feed's AgentLog: a ledger entry or an activity event, as one readable line with details. */
export interface AgentLog {
  organization_id: string;
  agent_resource_id: string;
  log_type: string;
  message: string;
  id: string;
  instance_id: string | null;
  metadata: Record<string, unknown>;
  timestamp: string;
  expires_at: string;
}

export type ActionFeedItem =
  | { source: 'event'; timestamp: string; event: LifecycleEvent }
  | { source: 'log'; timestamp: string; log: AgentLog };

/** The first link of a chain that does not verify. */
export interface BrokenLink {
  sequence: number;
  event_id: string | null;
  reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'missing_event' | 'head_mismatch';
  expected: string | null;
  found: string | null;
}

export interface ChainVerification {
  agent_id: string;
  asn: string;
  valid: boolean;
  /** Events whose hash was recomputed. */
  events_checked: number;
  /** Events removed by retention whose hash was kept: checked for linkage only. */
  tombstones: number;
  /** The oldest retained event's sequence (null when none is retained). */
  verified_from: number | null;
  head: { sequence: number; hash: string | null };
  first_broken: BrokenLink | null;
}
