import { randomUUID } from 'node:crypto';
import type { estypes } from '@elastic/elasticsearch';
import { ChainVerifier, type ChainLink } from '../../model/activity-chain.js';
import { activityEventHash, GENESIS_HASH } from '../../model/activity-hash.js';
import type { ActivityEvent, ChainVerification } from '../../model/agent.js';
import { activityObservation, observeAll, type TrustObservation } from '../../model/trust-score.js';
import { ActivityRejectedError, type ActivityInput, type ActivityQuery } from '../agent-store.js';
import { activityFromRow, chainedFieldsOf, type ActivityRow } from '../sqlite/activity-row.js';
import { getMany, getVersioned, type AgentDoc } from './agents-docs.js';
import { activityId } from './agents-indices.js';
import { readPolicy } from './agents-policy.js';
import { agentDoc, backoff, updateAgent, type AgentContext } from './agents-registry.js';
import { searchPage } from './search-paging.js';

/** An activity event as indexed: the SQLite row's fields (metadata as its JSON text, which the hash covers once parsed). */
export type ActivityDoc = Omit<ActivityRow, 'seq'>;

const asRow = (d: ActivityDoc): ActivityRow => ({ ...d, seq: 0 });
const APPEND_ATTEMPTS = 50;
const PAGE = 1000;

const observationsOf = (events: readonly ActivityDoc[]) =>
  events.map((e) => activityObservation(e.event_type, e.severity, e.created_us)).filter((o): o is TrustObservation => o !== null);

/** The agent with its head moved over `events` (already stored, in order, linking from its head). */
function headedOver(ctx: AgentContext, doc: AgentDoc, events: readonly ActivityDoc[]): AgentDoc {
  const last = events[events.length - 1];
  return {
    ...doc,
    chain_length: last.sequence,
    chain_head: last.hash,
    chain_head_us: last.created_us,
    last_seen_us: doc.last_seen_us === null ? last.created_us : Math.max(doc.last_seen_us, last.created_us),
    trust: observeAll(doc.trust, observationsOf(events), ctx.settings.trust_half_life_days),
  };
}

/**
 * Events stored past an agent's head link onto it (an appender that stopped
 * between its events and its head update, or one still on its way): the
 * head is moved over those that link and whose hash holds, so the chain
 * never stays blocked. The appender's own head update then finds them
 * counted (see appendToChain).
 */
async function adoptStranded(ctx: AgentContext, agentId: string): Promise<void> {
  const head = await agentDoc(ctx, agentId);
  if (!head) return;
  const from = head.chain_length + 1;
  const ids = Array.from({ length: 100 }, (_, i) => activityId(agentId, from + i));
  const stored = await getMany<ActivityDoc>(ctx.client, ctx.names.activity, ids);
  const linked: ActivityDoc[] = [];
  let prev = head.chain_head ?? GENESIS_HASH;
  for (const id of ids) {
    const e = stored.get(id);
    if (!e || e.prev_hash !== prev || activityEventHash(chainedFieldsOf(asRow(e)), e.prev_hash) !== e.hash) break;
    linked.push(e);
    prev = e.hash;
  }
  if (!linked.length) return;
  await updateAgent(ctx, agentId, (d) => (d.chain_length === head.chain_length ? headedOver(ctx, d, linked) : null));
}

/**
 * Appends one agent's events: each created under `<agent>/<sequence>` with
 * `op_type: create`, so a concurrent appender of the same chain collides on
 * the next sequence (409). The loser removes what it created, moves the head
 * over the winner's events if the winner has not yet, and tries again on the
 * new head. Then the head moves (a conditional write); events past the head
 * are never read, so a half-done append is invisible until adopted.
 */
async function appendToChain(ctx: AgentContext, agentId: string, inputs: Array<{ input: ActivityInput; index: number }>, reportedBy: string): Promise<ActivityDoc[]> {
  for (let attempt = 0; attempt < APPEND_ATTEMPTS; attempt++) {
    const head = await getVersioned<AgentDoc>(ctx.client, ctx.names.agents, agentId);
    if (!head) throw new ActivityRejectedError(inputs[0].index, 'not_found', `agent ${agentId} not found`);
    if (head.doc.status !== 'active') throw new ActivityRejectedError(inputs[0].index, 'deactivated', `agent ${head.doc.asn} is deactivated`);
    let prev = head.doc.chain_head ?? GENESIS_HASH;
    let timeUs = head.doc.chain_head_us ?? 0;
    const events = inputs.map(({ input }, i): ActivityDoc => {
      timeUs = Math.max(ctx.settings.now(), timeUs + 1);
      const e: ActivityDoc = {
        id: randomUUID(), organization_id: head.doc.organization_id, agent_id: agentId, sequence: head.doc.chain_length + 1 + i,
        event_type: input.event_type, severity: input.severity, metadata: JSON.stringify(input.metadata), reported_by: reportedBy,
        created_us: timeUs, prev_hash: prev, hash: '',
      };
      e.hash = activityEventHash(chainedFieldsOf(asRow(e)), prev);
      prev = e.hash;
      return e;
    });
    const operations = events.flatMap((e) => [{ create: { _index: ctx.names.activity, _id: activityId(agentId, e.sequence) } }, e]);
    const response = await ctx.client.bulk({ operations, refresh: 'wait_for' });
    const items = response.items.map((item) => item.create!);
    if (items.some((item) => item.status !== 201)) {
      await removeOwn(ctx, items);
      const refused = items.find((item) => item.status !== 201 && item.status !== 409);
      if (refused) throw new Error(`elasticsearch refused activity event ${refused._id}: ${refused.error?.type}: ${refused.error?.reason}`);
      await adoptStranded(ctx, agentId);
      await backoff(attempt);
      continue;
    }
    const last = events[events.length - 1];
    // another appender may have adopted some or all of them meanwhile: count only what the head does not cover yet
    // no refresh wait: the head is only ever read by realtime get
    await updateAgent(ctx, agentId, (d) => (d.chain_length >= last.sequence ? null : headedOver(ctx, d, events.filter((e) => e.sequence > d.chain_length))));
    return events;
  }
  throw new Error(`agent ${agentId}: activity chain still contended after ${APPEND_ATTEMPTS} attempts`);
}

/** Deletes the events this attempt created (only those: each by the seq_no its create answered). */
async function removeOwn(ctx: AgentContext, items: estypes.BulkResponseItem[]): Promise<void> {
  const own = items.filter((item) => item.status === 201);
  if (!own.length) return;
  const operations = own.map((item) => ({ delete: { _index: item._index, _id: item._id!, if_seq_no: item._seq_no!, if_primary_term: item._primary_term! } }));
  await ctx.client.bulk({ operations, refresh: 'wait_for' });
}

/**
 * exporters/agent-store.ts reportActivity: every agent checked first (a
 * refusal names the input's index and writes nothing), then each agent's
 * events appended in order. Elasticsearch has no transaction over several
 * documents: a batch naming several agents whose append fails on the
 * cluster half-way keeps the chains already appended (each one whole).
 */
export async function appendActivity(ctx: AgentContext, inputs: readonly ActivityInput[], reportedBy: string): Promise<ActivityEvent[]> {
  const groups = new Map<string, Array<{ input: ActivityInput; index: number }>>();
  for (const [index, input] of inputs.entries()) {
    if (!groups.has(input.agent_id)) {
      const doc = await agentDoc(ctx, input.agent_id);
      if (!doc) throw new ActivityRejectedError(index, 'not_found', `agent ${input.agent_id} not found`);
      if (doc.status !== 'active') throw new ActivityRejectedError(index, 'deactivated', `agent ${doc.asn} is deactivated`);
      groups.set(input.agent_id, []);
    }
    groups.get(input.agent_id)!.push({ input, index });
  }
  const out: ActivityEvent[] = new Array(inputs.length);
  const retention = new Map<string, number>();
  for (const [agentId, group] of groups) {
    const events = await appendToChain(ctx, agentId, group, reportedBy);
    const org = events[0].organization_id;
    if (!retention.has(org)) retention.set(org, (await readPolicy(ctx, org)).retention_days);
    events.forEach((e, i) => (out[group[i].index] = activityFromRow(asRow(e), retention.get(org)!)));
  }
  return out;
}

/** Newest first, within the agent's head; `window`: only its newest N events (the chain is contiguous up to the head). */
export async function listActivity(ctx: AgentContext, query: ActivityQuery): Promise<{ data: ActivityEvent[]; total: number }> {
  const head = await agentDoc(ctx, query.agent_id);
  if (!head) return { data: [], total: 0 };
  const sequence: estypes.QueryDslNumberRangeQuery = { lte: head.chain_length };
  if (query.window !== undefined) sequence.gt = head.chain_length - query.window;
  const filter: estypes.QueryDslQueryContainer[] = [{ term: { agent_id: query.agent_id } }, { range: { sequence } }];
  if (query.type !== undefined) filter.push({ term: { event_type: query.type } });
  if (query.from_us !== undefined || query.to_us !== undefined) filter.push({ range: { created_us: { gte: query.from_us, lte: query.to_us } } });
  const page = await searchPage<ActivityDoc>(
    ctx.client,
    { index: ctx.names.activity, query: { bool: { filter } }, sort: [{ created_us: 'desc' }, { sequence: 'desc' }] },
    (query.page - 1) * query.per_page,
    query.per_page,
    ctx.maxResultWindow,
  );
  const days = (await readPolicy(ctx, head.organization_id)).retention_days;
  return { data: page.hits.map((h) => activityFromRow(asRow(h._source!), days)), total: page.total };
}

/**
 * The chain rule of model/activity-chain.ts, fed as the SQLite store feeds
 * it (tombstones, then retained events, in sequence order), up to the head
 * read first. Links are read by their ids (realtime, no refresh needed);
 * a page's events before its tombstones, so an event moving to its
 * tombstone meanwhile is seen as one or the other.
 */
export async function verifyChain(ctx: AgentContext, agentId: string): Promise<ChainVerification> {
  const agent = await agentDoc(ctx, agentId);
  if (!agent) throw new Error(`agent ${agentId} does not exist`);
  const chain = new ChainVerifier(agent);
  let tombstones = true;
  for (let start = 1; chain.ok && start <= agent.chain_length; start += PAGE) {
    const ids = Array.from({ length: Math.min(PAGE, agent.chain_length - start + 1) }, (_, i) => activityId(agentId, start + i));
    const events = await getMany<ActivityDoc>(ctx.client, ctx.names.activity, ids);
    const tombs = tombstones ? await getMany<ChainLink>(ctx.client, ctx.names.tombstones, ids) : new Map<string, ChainLink>();
    for (const id of ids) {
      const tomb = tombstones ? tombs.get(id) : undefined;
      if (tomb) {
        if (!chain.tombstone(tomb)) break;
        continue;
      }
      tombstones = false;
      const e = events.get(id);
      if (!e || !chain.event(e, () => chainedFieldsOf(asRow(e)))) break;
    }
    if (!tombstones && chain.next < start + ids.length) break;
  }
  return chain.result();
}
