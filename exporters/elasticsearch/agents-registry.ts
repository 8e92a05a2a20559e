import { randomUUID } from 'node:crypto';
import type { Client, estypes } from '@elastic/elasticsearch';
import type { Actor, AgentStatus } from '../../model/agent.js';
import { generateAsn, looksLikeAsn, parseAsn } from '../../model/asn.js';
import { AgentConflictError, type AgentQuery } from '../agent-store.js';
import type { QueryScope } from '../store.js';
import { getMany, getVersioned, newAgentDoc, type AgentDoc, type AgentSettings, type UsageDoc } from './agents-docs.js';
import { asnKeyId, externalKeyId, isConflict, usageId, type AgentIndexNames } from './agents-indices.js';
import { containsPattern } from './search-fold.js';
import { search } from './search-guard.js';
import { searchPage } from './search-paging.js';

export interface AgentContext {
  client: Client;
  names: AgentIndexNames;
  settings: AgentSettings;
  maxResultWindow: number;
}

/** A unique key's document: it points at its agent and carries the agent's first document, so anyone can complete a registration. */
export interface AgentKeyDoc {
  kind: 'asn' | 'ext';
  organization_id: string;
  value: string;
  agent_id: string;
  created_us: number;
  agent: { doc: AgentDoc; actor: Actor };
}

export interface LifecycleDoc {
  id: string;
  organization_id: string;
  agent_id: string;
  resource_name: string;
  event_type: 'register' | 'deactivate' | 'activate';
  from_state: AgentStatus | null;
  to_state: AgentStatus;
  actor_type: Actor['actor_type'];
  actor_id: string | null;
  error: string | null;
  ts_us: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ASN_ATTEMPTS = 50;
const UPDATE_ATTEMPTS = 50;

/** A create that answers whether it created (false: the id was taken). */
async function created(client: Client, index: string, id: string, document: unknown, refresh: false | 'wait_for' = 'wait_for'): Promise<boolean> {
  try {
    await client.create({ index, id, document, refresh });
    return true;
  } catch (err) {
    if (isConflict(err)) return false;
    throw err;
  }
}

function lifecycleDoc(agent: AgentDoc, e: Pick<LifecycleDoc, 'event_type' | 'from_state' | 'to_state'>, actor: Actor, tsUs: number, id: string): LifecycleDoc {
  return {
    id, organization_id: agent.organization_id, agent_id: agent.id, resource_name: agent.name, ...e,
    actor_type: actor.actor_type, actor_id: actor.actor_id, error: null, ts_us: tsUs,
  };
}

/**
 * Makes the registration a key points at whole: the agent document and its
 * `register` event, both created under fixed ids, so completing twice (the
 * registrant and a reader that found the key first) changes nothing.
 */
async function complete(ctx: AgentContext, key: AgentKeyDoc): Promise<void> {
  const { doc, actor } = key.agent;
  const event = lifecycleDoc(doc, { event_type: 'register', from_state: null, to_state: 'active' }, actor, doc.created_us, `${doc.id}/register`);
  // two indices, two refresh waits: side by side
  await Promise.all([created(ctx.client, ctx.names.agents, doc.id, doc), created(ctx.client, ctx.names.lifecycle, event.id, event)]);
}

async function release(ctx: AgentContext, ids: string[]): Promise<void> {
  for (const id of ids) await ctx.client.delete({ index: ctx.names.agentKeys, id, refresh: 'wait_for' }, { ignore: [404] });
}

/**
 * Registers an agent: a fresh ASN (claimed by its key; a clash draws
 * again), then its external ids (claimed by their keys), then the agent and
 * its `register` event. `onTaken` decides what a taken external id means:
 * the API's conflict, or (ingest) the agent that took it.
 */
async function register(
  ctx: AgentContext,
  input: { organization_id: string; name: string; external_ids: readonly string[]; actor: Actor },
  onTaken: (externalId: string) => Promise<string>,
): Promise<string> {
  const nowUs = ctx.settings.now();
  const year = new Date(Math.floor(nowUs / 1000)).getUTCFullYear();
  const id = randomUUID();
  const keyOf = (doc: AgentDoc, kind: 'asn' | 'ext', value: string): AgentKeyDoc => ({
    kind, organization_id: input.organization_id, value, agent_id: id, created_us: nowUs, agent: { doc, actor: input.actor },
  });
  let doc: AgentDoc | null = null;
  for (let attempt = 0; attempt < ASN_ATTEMPTS && !doc; attempt++) {
    const candidate = newAgentDoc({ id, asn: generateAsn(year), organization_id: input.organization_id, name: input.name, external_ids: [...input.external_ids], now_us: nowUs });
    // found by realtime get only: no refresh to wait for
    if (await created(ctx.client, ctx.names.agentKeys, asnKeyId(candidate.asn), keyOf(candidate, 'asn', candidate.asn), false)) doc = candidate;
  }
  if (!doc) throw new Error(`no free ASN found for ${year} after ${ASN_ATTEMPTS} attempts`);
  const claimed = [asnKeyId(doc.asn)];
  for (const externalId of doc.external_ids) {
    const keyId = externalKeyId(input.organization_id, externalId);
    if (await created(ctx.client, ctx.names.agentKeys, keyId, keyOf(doc, 'ext', externalId))) {
      claimed.push(keyId);
      continue;
    }
    await release(ctx, claimed);
    return onTaken(externalId);
  }
  await complete(ctx, keyOf(doc, 'asn', doc.asn));
  return id;
}

export async function registerAgent(ctx: AgentContext, input: { organization_id: string; name: string; external_ids: string[] }, actor: Actor): Promise<string> {
  return register(ctx, { ...input, actor }, async (externalId) => {
    throw new AgentConflictError(`external id ${JSON.stringify(externalId)} already belongs to another agent of this organization`);
  });
}

/** The agent an external id names in an organization, its registration completed if its registrant stopped half-way. */
async function byExternalId(ctx: AgentContext, organizationId: string, externalId: string): Promise<AgentDoc | null> {
  const key = await getVersioned<AgentKeyDoc>(ctx.client, ctx.names.agentKeys, externalKeyId(organizationId, externalId));
  if (!key) return null;
  let agent = await getVersioned<AgentDoc>(ctx.client, ctx.names.agents, key.doc.agent_id);
  if (!agent) {
    await complete(ctx, key.doc);
    agent = await getVersioned<AgentDoc>(ctx.client, ctx.names.agents, key.doc.agent_id);
  }
  if (agent && !agent.doc.external_ids.includes(externalId)) {
    // linked by its key, not yet listed on the agent (a link stopped half-way): list it
    return updateAgent(ctx, agent.doc.id, (d) => (d.external_ids.includes(externalId) ? null : { ...d, external_ids: [...d.external_ids, externalId].sort() })).then((r) => r.doc);
  }
  return agent?.doc ?? null;
}

/**
 * The agent a span's agent id names (exporters/sqlite/agent-ingest.ts
 * resolve): known by that external id, an ASN of the organization (then
 * linked), or registered now by the system.
 */
export async function resolveForIngest(ctx: AgentContext, organizationId: string, externalId: string, name: string | null): Promise<string> {
  const known = await byExternalId(ctx, organizationId, externalId);
  if (known) return known.id;
  const asn = parseAsn(externalId);
  const byAsn = asn ? await agentByAsn(ctx, asn) : null;
  if (byAsn && byAsn.organization_id === organizationId) {
    const key: AgentKeyDoc = { kind: 'ext', organization_id: organizationId, value: externalId, agent_id: byAsn.id, created_us: ctx.settings.now(), agent: { doc: byAsn, actor: SYSTEM } };
    await created(ctx.client, ctx.names.agentKeys, externalKeyId(organizationId, externalId), key);
    return (await byExternalId(ctx, organizationId, externalId))!.id;
  }
  return register(ctx, { organization_id: organizationId, name: name ?? externalId, external_ids: [externalId], actor: SYSTEM }, async () => {
    // another writer registered it meanwhile: that agent it is
    return (await byExternalId(ctx, organizationId, externalId))!.id;
  });
}

export const SYSTEM: Actor = { actor_type: 'system', actor_id: null };

async function agentByAsn(ctx: AgentContext, asn: string): Promise<AgentDoc | null> {
  const key = await getVersioned<AgentKeyDoc>(ctx.client, ctx.names.agentKeys, asnKeyId(asn));
  return key ? ((await getVersioned<AgentDoc>(ctx.client, ctx.names.agents, key.doc.agent_id))?.doc ?? null) : null;
}

/** exporters/sqlite/agent-registry.ts findAgentRow, on the keys: an ASN-shaped ref is only an ASN; a UUID is the id, then an external id. */
export async function findAgentDoc(ctx: AgentContext, scope: QueryScope | 'public', ref: string): Promise<AgentDoc | null> {
  const org = scope === 'public' ? null : scope.organization_id;
  const inScope = (d: AgentDoc | null) => (d && (org === null || d.organization_id === org) ? d : null);
  if (looksLikeAsn(ref)) {
    const asn = parseAsn(ref);
    return asn === null ? null : inScope(await agentByAsn(ctx, asn));
  }
  if (UUID.test(ref)) {
    const byId = inScope((await getVersioned<AgentDoc>(ctx.client, ctx.names.agents, ref.toLowerCase()))?.doc ?? null);
    if (byId) return byId;
  }
  if (scope === 'public') return null;
  if (org !== null) return byExternalId(ctx, org, ref);
  // every organization (superusers): the oldest agent carrying this external id
  const r = await search<AgentKeyDoc>(ctx.client, {
    index: ctx.names.agentKeys,
    query: { bool: { filter: [{ term: { kind: 'ext' } }, { term: { value: ref } }] } },
    sort: [{ created_us: 'asc' }, { agent_id: 'asc' }],
    size: 1,
    _source: ['organization_id'],
  });
  const hit = r.hits.hits[0]?._source;
  return hit ? byExternalId(ctx, hit.organization_id, ref) : null;
}

export async function agentDoc(ctx: AgentContext, id: string): Promise<AgentDoc | null> {
  return (await getVersioned<AgentDoc>(ctx.client, ctx.names.agents, id))?.doc ?? null;
}

/** Newest registration first (then id); the page's documents read back realtime, so counters are current. */
export async function listAgentDocs(ctx: AgentContext, query: AgentQuery): Promise<{ docs: AgentDoc[]; total: number }> {
  const filter: estypes.QueryDslQueryContainer[] = [];
  if (query.scope.organization_id !== null) filter.push({ term: { organization_id: query.scope.organization_id } });
  if (query.status) filter.push({ term: { status: query.status } });
  if (query.name) filter.push({ wildcard: { name_fold: { value: containsPattern(query.name) } } });
  const page = await searchPage<AgentDoc>(
    ctx.client,
    { index: ctx.names.agents, query: { bool: { filter } }, sort: [{ created_us: 'desc' }, { id: 'desc' }], source: false },
    (query.page - 1) * query.per_page,
    query.per_page,
    ctx.maxResultWindow,
  );
  const ids = page.hits.map((h) => h._id!);
  const docs = await getMany<AgentDoc>(ctx.client, ctx.names.agents, ids);
  return { docs: ids.flatMap((id) => (docs.has(id) ? [docs.get(id)!] : [])), total: page.total };
}

/** Each agent's usage by one user (zeros where none), for a user-scoped caller; null for an organization-wide one. */
export async function usageInScope(ctx: AgentContext, scope: QueryScope | 'public', agentIds: string[]): Promise<Map<string, UsageDoc> | null> {
  if (scope === 'public' || !scope.user_id) return null;
  const user = scope.user_id;
  const found = await getMany<UsageDoc>(ctx.client, ctx.names.agentUsage, agentIds.map((id) => usageId(id, user)));
  return new Map(
    agentIds.map((id) => [id, found.get(usageId(id, user)) ?? { agent_id: id, user_id: user, action_count: 0, error_count: 0, cost_nanos: 0, last_seen_us: null }]),
  );
}

/**
 * Read, change, write back only if nobody wrote in between
 * (`if_seq_no`/`if_primary_term`), else again on the newer document.
 * `change` returns null for "nothing to change".
 */
export async function updateAgent(
  ctx: AgentContext,
  agentId: string,
  change: (doc: AgentDoc) => AgentDoc | null,
  refresh: false | 'wait_for' = false,
): Promise<{ doc: AgentDoc; before: AgentDoc; changed: boolean }> {
  for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
    const current = await getVersioned<AgentDoc>(ctx.client, ctx.names.agents, agentId);
    if (!current) throw new Error(`agent ${agentId} does not exist`);
    const next = change(structuredClone(current.doc));
    if (!next) return { doc: current.doc, before: current.doc, changed: false };
    try {
      await ctx.client.index({ index: ctx.names.agents, id: agentId, document: next, if_seq_no: current.seq_no, if_primary_term: current.primary_term, refresh });
      return { doc: next, before: current.doc, changed: true };
    } catch (err) {
      if (!isConflict(err)) throw err;
      await backoff(attempt);
    }
  }
  throw new Error(`agent ${agentId}: still changing after ${UPDATE_ATTEMPTS} attempts`);
}

export const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.min(200, 2 ** attempt) * Math.random()));

/** A status change and its lifecycle event (written by whoever's conditional write made the change). */
export async function changeStatus(ctx: AgentContext, agentId: string, status: AgentStatus, actor: Actor): Promise<{ doc: AgentDoc; changed: boolean }> {
  const { doc, before, changed } = await updateAgent(ctx, agentId, (d) => (d.status === status ? null : { ...d, status }), 'wait_for');
  if (changed) {
    const event = lifecycleDoc(doc, { event_type: status === 'deactivated' ? 'deactivate' : 'activate', from_state: before.status, to_state: status }, actor, ctx.settings.now(), randomUUID());
    await ctx.client.create({ index: ctx.names.lifecycle, id: event.id, document: event, refresh: 'wait_for' });
  }
  return { doc, changed };
}
