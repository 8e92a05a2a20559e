import type { EntryRecord } from '../../model/ledger-entry.js';
import { observeAll } from '../../model/trust-score.js';
import { addToAgentDeltas, type AgentDelta, type Usage } from '../agent-deltas.js';
import { agentNameOf } from '../sqlite/write-row.js';
import { getVersioned, type UsageDoc } from './agents-docs.js';
import { isConflict, usageId } from './agents-indices.js';
import { backoff, resolveForIngest, updateAgent, type AgentContext } from './agents-registry.js';




function deltasOf(entries: readonly EntryRecord[]): AgentDelta[] {
  const deltas = new Map<string, AgentDelta>();
  for (const e of entries) addToAgentDeltas(deltas, { ...e, agent_name: agentNameOf(e) });
  return [...deltas.values()];
}

/**
 * The agent side of ledger writes (exporters/sqlite/agent-ingest.ts), for
 * the entries a batch created (a re-delivered span moves nothing): registers
 * an agent the first time a span names it and moves its counters, last-seen
 * time, trust state and per-user counters, each a conditional write retried
 * on a newer document, so concurrent workers never lose an update.
 *
 * Not in one transaction with the entries (Elasticsearch has none): if the
 * cluster fails between the entry bulk and these writes, the batch is
 * retried, its entries answer 409, and they stay uncounted on the agent.
 * Counts can then be low, never doubled.
 */
export async function ingestAgents(ctx: AgentContext, created: readonly EntryRecord[]): Promise<void> {
  const deltas = deltasOf(created);
  // agents are independent documents (two ids naming one agent meet in its conditional write): a few at a time
  for (let i = 0; i < deltas.length; i += PARALLEL) await Promise.all(deltas.slice(i, i + PARALLEL).map((d) => applyDelta(ctx, d)));
}

const PARALLEL = 8;

async function applyDelta(ctx: AgentContext, d: AgentDelta): Promise<void> {
  const agentId = await resolveForIngest(ctx, d.organization_id, d.external_id, d.name);
  await updateAgent(ctx, agentId, (doc) => ({
    ...doc,
    action_count: doc.action_count + d.count,
    error_count: doc.error_count + d.errors,
    cost_nanos: doc.cost_nanos + d.cost_nanos,
    last_seen_us: maxOrNull(doc.last_seen_us, d.last_us),
    trust: observeAll(doc.trust, d.observations, ctx.settings.trust_half_life_days),
  }));
  for (const [user, u] of d.users) await addUsage(ctx, agentId, user, u);
}

async function addUsage(ctx: AgentContext, agentId: string, userId: string, u: Usage): Promise<void> {
  const id = usageId(agentId, userId);
  for (let attempt = 0; ; attempt++) {
    const current = await getVersioned<UsageDoc>(ctx.client, ctx.names.agentUsage, id);
    const base = current?.doc ?? { agent_id: agentId, user_id: userId, action_count: 0, error_count: 0, cost_nanos: 0, last_seen_us: null };
    const document: UsageDoc = {
      ...base,
      action_count: base.action_count + u.count,
      error_count: base.error_count + u.errors,
      cost_nanos: base.cost_nanos + u.cost_nanos,
      last_seen_us: maxOrNull(base.last_seen_us, u.last_us),
    };
    try {
      if (current) await ctx.client.index({ index: ctx.names.agentUsage, id, document, if_seq_no: current.seq_no, if_primary_term: current.primary_term });
      else await ctx.client.create({ index: ctx.names.agentUsage, id, document });
      return;
    } catch (err) {
      if (!isConflict(err) || attempt >= 50) throw err;
      await backoff(attempt);
    }
  }
}

function maxOrNull(a: number | null, b: number): number {
  return a === null ? b : Math.max(a, b);
}
