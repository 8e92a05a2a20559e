import type { Client } from '@elastic/elasticsearch';
import type { Agent, AgentStatus } from '../../model/agent.js';
import { EMPTY_TRUST_STATE, type TrustState } from '../../model/trust-score.js';
import { agentFromRow, type AgentRow, type AgentSettings, type UsageRow } from '../sqlite/agent-row.js';
import { isNotFound } from './agents-indices.js';
import { foldCase } from './search-fold.js';

export type { AgentSettings } from '../sqlite/agent-row.js';

/** An agent as indexed (agents-indices.ts AGENT_MAPPINGS): the SQLite agent row's fields, its external ids and trust state inline. */
export interface AgentDoc {
  id: string;
  asn: string;
  organization_id: string;
  name: string;
  name_fold: string;
  status: AgentStatus;
  created_us: number;
  external_ids: string[];
  last_seen_us: number | null;
  action_count: number;
  error_count: number;
  cost_nanos: number;
  chain_length: number;
  chain_head: string | null;
  chain_head_us: number | null;
  trust: TrustState;
}

export function newAgentDoc(input: { id: string; asn: string; organization_id: string; name: string; external_ids: string[]; now_us: number }): AgentDoc {
  return {
    id: input.id,
    asn: input.asn,
    organization_id: input.organization_id,
    name: input.name,
    name_fold: foldCase(input.name),
    status: 'active',
    created_us: input.now_us,
    external_ids: [...new Set(input.external_ids)].sort(),
    last_seen_us: null,
    action_count: 0,
    error_count: 0,
    cost_nanos: 0,
    chain_length: 0,
    chain_head: null,
    chain_head_us: null,
    trust: structuredClone(EMPTY_TRUST_STATE),
  };
}

/** A document with what a conditional write needs (`if_seq_no` / `if_primary_term`). */
export interface Versioned<T> {
  doc: T;
  seq_no: number;
  primary_term: number;
}

/** A realtime get (sees every acknowledged write, refreshed or not); null when absent. */
export async function getVersioned<T>(client: Client, index: string, id: string): Promise<Versioned<T> | null> {
  try {
    const r = await client.get<T>({ index, id });
    return r.found && r._source ? { doc: r._source, seq_no: r._seq_no!, primary_term: r._primary_term! } : null;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** Realtime gets of many documents of one index, by id; absent ones are left out. */
export async function getMany<T>(client: Client, index: string, ids: readonly string[]): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  if (!ids.length) return out;
  const r = await client.mget<T>({ index, ids: [...ids] });
  for (const d of r.docs) if ('found' in d && d.found && d._source) out.set(d._id, d._source);
  return out;
}

/** An agent's counters over one user's entries (agents-indices.ts usage). */
export interface UsageDoc {
  agent_id: string;
  user_id: string;
  action_count: number;
  error_count: number;
  cost_nanos: number;
  last_seen_us: number | null;
}

/**
 * The API's agent: the same function as the SQLite store's
 * (exporters/sqlite/agent-row.ts agentFromRow), fed the document as a row.
 * `usage` replaces the organization-wide counters with one user's.
 */
export function agentFromDoc(d: AgentDoc, settings: AgentSettings, usage: UsageRow | null): Agent {
  const t = d.trust;
  const row: AgentRow = {
    id: d.id, asn: d.asn, organization_id: d.organization_id, name: d.name, status: d.status, created_us: d.created_us,
    last_seen_us: d.last_seen_us, action_count: d.action_count, error_count: d.error_count, cost_nanos: d.cost_nanos,
    chain_length: d.chain_length, chain_head: d.chain_head, chain_head_us: d.chain_head_us,
    trust_ref_us: t.ref_us, trust_successes: t.successes, trust_errors: t.errors, trust_blocked: t.blocked,
    trust_incidents_info: t.incidents.info, trust_incidents_warning: t.incidents.warning,
    trust_incidents_error: t.incidents.error, trust_incidents_critical: t.incidents.critical,
  };
  return agentFromRow(row, d.external_ids, settings, usage);
}
