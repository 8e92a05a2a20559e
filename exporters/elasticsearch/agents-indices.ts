import { createHash } from 'node:crypto';
import type { Client, estypes } from '@elastic/elasticsearch';
import type { IndexNames } from './index-names.js';
import { sizingSettings, type IndexLayout } from './index-layout.js';
import { KEYWORD_IGNORE_ABOVE, MAPPING_META } from './mappings.js';
import { ensureIndex } from './schema.js';

/**
 * The agent registry and its streams on Elasticsearch (DESIGN.md "Agents"),
 * one fixed index each, `dynamic: strict` like the others. Ids are
 * deterministic wherever uniqueness matters, so `op_type: create` is the
 * constraint a relational store would declare:
 *
 * - agents: `_id` = the agent's UUID; holds its counters, chain head and trust state.
 * - agent keys: the unique keys that point at an agent: `asn/<ASN>` and
 *   `ext/<organization>/<sha256(external id)>`. A key is claimed with a
 *   create (409: taken) and carries the agent's first document, so whoever
 *   finds a key without its agent completes the registration (create again).
 * - agent usage: counters per (agent, user), `_id` = `<agent>/<sha256(user)>`.
 * - activity: `_id` = `<agent>/<sequence>`: two appenders of one chain collide
 *   on the next sequence (409) and the loser retries on the new head.
 * - activity tombstones: same `_id` as the event they replace.
 * - lifecycle events, organization policies (`_id` = organization).
 */
export interface AgentIndexNames {
  agents: string;
  agentKeys: string;
  agentUsage: string;
  activity: string;
  tombstones: string;
  lifecycle: string;
  policies: string;
}

export function agentIndexNames(names: IndexNames): AgentIndexNames {
  const p = names.prefix;
  return {
    agents: `${p}-agents`,
    agentKeys: `${p}-agent-keys`,
    agentUsage: `${p}-agent-usage`,
    activity: `${p}-activity`,
    tombstones: `${p}-activity-tombstones`,
    lifecycle: `${p}-agent-lifecycle`,
    policies: `${p}-organization-policies`,
  };
}

const sha = (s: string) => createHash('sha256').update(s).digest('base64url');

export const asnKeyId = (asn: string) => `asn/${asn}`;
/** Hashed: any external id fits the 512-byte `_id`, and the organization before it is unambiguous (base64url has no `/`). */
export const externalKeyId = (organizationId: string, externalId: string) => `ext/${organizationId}/${sha(externalId)}`;
export const usageId = (agentId: string, userId: string) => `${agentId}/${sha(userId)}`;
export const activityId = (agentId: string, sequence: number) => `${agentId}/${sequence}`;

const id: estypes.MappingProperty = { type: 'keyword' };
const keyword: estypes.MappingProperty = { type: 'keyword', ignore_above: KEYWORD_IGNORE_ABOVE };
const long: estypes.MappingProperty = { type: 'long' };
const double: estypes.MappingProperty = { type: 'double' };
const opaque: estypes.MappingProperty = { type: 'object', enabled: false };
const unindexed: estypes.MappingProperty = { type: 'keyword', index: false, doc_values: false };

const TRUST_MAPPINGS: estypes.MappingProperty = {
  type: 'object',
  properties: { ref_us: long, successes: double, errors: double, blocked: double, incidents: opaque },
};

export const AGENT_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  _meta: MAPPING_META,
  properties: {
    id, asn: id, organization_id: id, name: keyword,
    /** The name folded in JS (search-fold.ts), for the list's case-insensitive substring. */
    name_fold: { type: 'wildcard' },
    status: id, created_us: long, external_ids: keyword,
    last_seen_us: long, action_count: long, error_count: long, cost_nanos: long,
    chain_length: long, chain_head: id, chain_head_us: long,
    trust: TRUST_MAPPINGS,
  },
};

export const AGENT_KEY_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  _meta: MAPPING_META,
  properties: { kind: id, organization_id: id, value: keyword, agent_id: id, created_us: long, agent: opaque },
};

export const AGENT_USAGE_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  _meta: MAPPING_META,
  properties: { agent_id: id, user_id: keyword, action_count: long, error_count: long, cost_nanos: long, last_seen_us: long },
};

export const ACTIVITY_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  _meta: MAPPING_META,
  properties: {
    id, organization_id: id, agent_id: id, sequence: long, event_type: keyword, severity: id,
    /** The reported JSON as its canonical text: the hash covers exactly what is stored, whatever the mapping. */
    metadata: unindexed,
    reported_by: keyword, created_us: long, prev_hash: id, hash: id,
  },
};

export const TOMBSTONE_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  _meta: MAPPING_META,
  properties: { id, organization_id: id, agent_id: id, sequence: long, created_us: long, prev_hash: id, hash: id, swept_us: long },
};

export const LIFECYCLE_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  _meta: MAPPING_META,
  properties: {
    id, organization_id: id, agent_id: id, resource_name: keyword, event_type: id, from_state: id, to_state: id,
    actor_type: id, actor_id: keyword, error: unindexed, ts_us: long,
  },
};

export const POLICY_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  _meta: MAPPING_META,
  properties: { organization_id: id, retention_days: { type: 'integer' }, public_activity: { type: 'boolean' } },
};

/** Each agent index and its mappings (created with them; the emulator then checks documents against what the index was created with). */
const AGENT_INDEX_MAPPINGS: ReadonlyArray<[keyof AgentIndexNames, estypes.MappingTypeMapping]> = [
  ['agents', AGENT_MAPPINGS],
  ['agentKeys', AGENT_KEY_MAPPINGS],
  ['agentUsage', AGENT_USAGE_MAPPINGS],
  ['activity', ACTIVITY_MAPPINGS],
  ['tombstones', TOMBSTONE_MAPPINGS],
  ['lifecycle', LIFECYCLE_MAPPINGS],
  ['policies', POLICY_MAPPINGS],
];

/**
 * Creates what is missing; an index that exists gets this release's fields if
 * its mapping is of an older MAPPING_VERSION, as the other fixed indices
 * (schema.ts). Every process runs this at start.
 */
export async function ensureAgentIndices(client: Client, names: AgentIndexNames, layout: IndexLayout): Promise<void> {
  const settings = sizingSettings(layout.agents);
  for (const [key, mappings] of AGENT_INDEX_MAPPINGS) await ensureIndex(client, { index: names[key], settings, mappings });
}

export const isConflict = (err: unknown) => (err as { statusCode?: number }).statusCode === 409;
export const isNotFound = (err: unknown) => (err as { statusCode?: number }).statusCode === 404;
