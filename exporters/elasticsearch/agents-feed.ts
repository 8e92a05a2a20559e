import type { ActionFeedItem, LifecycleEvent } from '../../model/agent.js';
import { activityLog, ledgerLog } from '../../model/agent-logs.js';
import { usdFromNanos } from '../../model/cost.js';
import { isoFromMicros } from '../../model/time.js';
import { expiresAtUs, type ActionFeedQuery } from '../agent-store.js';
import { activityFromRow } from '../sqlite/activity-row.js';
import type { ActivityDoc } from './activity-chain.js';
import type { AgentDoc } from './agents-docs.js';
import type { AgentContext, LifecycleDoc } from './agents-registry.js';
import type { EntryDocument } from './entry-document.js';
import type { IndexNames } from './index-names.js';
import { search as completeSearch } from './search-guard.js';

type Timed = { us: number; key: string; item: ActionFeedItem };

/** What the feed reads of an entry (never its outputs or attributes whole). */
const ENTRY_FIELDS = [
  'id', 'organization_id', 'name', 'kind', 'outcome', 'status_message', 'ts_us', 'duration_ms', 'cost_nanos', 'run_id', 'trace_id',
  'span_id', 'model', 'input_tokens', 'output_tokens', 'inputs', 'attributes.service.instance.id', 'attributes_raw.service.instance.id',
];

/**
 * The actions feed (exporters/sqlite/agent-feed-reader.ts): one bounded
 * search per source, newest first and cut at `limit` (ledger entries: one
 * search over every external id the agent carries), merged and cut again,
 * with the same order for equal times.
 */
export async function listAgentActions(ctx: AgentContext, names: IndexNames, agent: AgentDoc, q: ActionFeedQuery, retentionDays: number): Promise<ActionFeedItem[]> {
  const expires = (us: number) => isoFromMicros(expiresAtUs(us, retentionDays));
  const items: Timed[] = [];
  const search = async <T>(index: string, field: string, filter: object[], sort: object[], source?: string[]) =>
    (
      await completeSearch<T>(ctx.client, {
        index,
        query: { bool: { filter: [...filter, { range: { [field]: { gte: q.since_us, lte: q.until_us } } }] } },
        sort: sort as never,
        size: q.limit,
        ignore_unavailable: true,
        ...(source ? { _source: source } : {}),
      })
    ).hits.hits.map((h) => h._source!);

  for (const r of await search<LifecycleDoc>(ctx.names.lifecycle, 'ts_us', [{ term: { agent_id: agent.id } }], [{ ts_us: 'desc' }, { id: 'desc' }])) {
    const event: LifecycleEvent = {
      organization_id: r.organization_id, resource_id: r.agent_id, resource_name: r.resource_name, provider: 'agent-ledger', resource_type: 'agent',
      event_type: r.event_type, to_state: r.to_state, id: r.id, from_state: r.from_state, actor_type: r.actor_type, actor_id: r.actor_id,
      error: r.error, timestamp: isoFromMicros(r.ts_us), expires_at: expires(r.ts_us),
    };
    items.push({ us: r.ts_us, key: `e${r.id}`, item: { source: 'event', timestamp: event.timestamp, event } });
  }

  const activity = await search<ActivityDoc>(
    ctx.names.activity, 'created_us',
    [{ term: { agent_id: agent.id } }, { range: { sequence: { lte: agent.chain_length } } }],
    [{ created_us: 'desc' }, { sequence: 'desc' }],
  );
  for (const r of activity) {
    const log = activityLog(activityFromRow({ ...r, seq: 0 }, retentionDays), agent.organization_id);
    items.push({ us: r.created_us, key: `a${r.id}`, item: { source: 'log', timestamp: log.timestamp, log } });
  }

  if (agent.external_ids.length) {
    const filter: object[] = [{ term: { organization_id: agent.organization_id } }, { terms: { agent_id: agent.external_ids } }];
    if (q.scope.user_id) filter.push({ term: { user_id: q.scope.user_id } });
    const entries = await search<EntryDocument>(names.entriesPattern, 'ts_us', filter, [{ ts_us: 'desc' }, { id: 'asc' }], ENTRY_FIELDS);
    for (const r of entries) {
      const attributes = r.attributes ?? r.attributes_raw ?? {};
      const instance = attributes['service.instance.id'];
      const log = ledgerLog(
        {
          id: r.id, organization_id: r.organization_id, name: r.name, kind: r.kind, outcome: r.outcome, status_message: r.status_message,
          timestamp: isoFromMicros(r.ts_us), duration_ms: r.duration_ms, cost_usd: usdFromNanos(r.cost_nanos), run_id: r.run_id,
          trace_id: r.trace_id, span_id: r.span_id, model: r.model, input_tokens: r.input_tokens, output_tokens: r.output_tokens,
          inputs: r.inputs, instance_id: typeof instance === 'string' ? instance : null,
        },
        agent.id,
        expires(r.ts_us),
      );
      items.push({ us: r.ts_us, key: `l${r.id}`, item: { source: 'log', timestamp: log.timestamp, log } });
    }
  }

  // newest first; equal times in a fixed order so pages of the same window agree
  items.sort((a, b) => b.us - a.us || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return items.slice(0, q.limit).map((t) => t.item);
}
