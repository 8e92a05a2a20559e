import type { Client, estypes } from '@elastic/elasticsearch';
import { isoFromMicros } from '../../model/time.js';
import type { LedgerFilter, TimelineSummary } from '../store.js';
import type { IndexNames } from './index-names.js';
import { ledgerFilterQuery } from './ledger-query-dsl.js';
import { COMPOSITE_PAGE } from './stats-aggs.js';

const DAY_US = 86_400_000_000;

type Bucket = { key: { agent: string | null; day: number }; doc_count: number; first: { value: number }; last: { value: number } };
type Page = { buckets: Bucket[]; after_key?: Record<string, string | number | null> };

/**
 * A timeline's aggregates (store.ts TimelineSummary) as one composite
 * aggregation by agent (entries without one in the missing bucket) and UTC
 * day (a histogram of the µs times, as the SQLite store groups them), walked
 * page by page to its end: exact, like the SQLite store's.
 */
export async function queryTimelineSummary(client: Client, names: IndexNames, filter: Omit<LedgerFilter, 'q'>): Promise<TimelineSummary> {
  const query = ledgerFilterQuery(filter);
  const agents = new Map<string | null, number>();
  const days = new Map<number, number>();
  let count = 0;
  let first: number | null = null;
  let last: number | null = null;
  let after: Page['after_key'];
  for (;;) {
    const aggs: Record<string, estypes.AggregationsAggregationContainer> = {
      groups: {
        composite: {
          size: COMPOSITE_PAGE,
          sources: [{ agent: { terms: { field: 'agent_id', missing_bucket: true } } }, { day: { histogram: { field: 'ts_us', interval: DAY_US } } }],
          ...(after ? { after: after as Record<string, string | number> } : {}),
        },
        aggs: { first: { min: { field: 'ts_us' } }, last: { max: { field: 'ts_us' } } },
      },
    };
    const r = await client.search({ index: names.entriesPattern, size: 0, track_total_hits: false, query, aggs });
    const page = (r.aggregations as Record<string, Page> | undefined)?.groups;
    if (!page) break;
    for (const b of page.buckets) {
      const day = Math.floor(b.key.day / DAY_US);
      agents.set(b.key.agent, (agents.get(b.key.agent) ?? 0) + b.doc_count);
      days.set(day, (days.get(day) ?? 0) + b.doc_count);
      count += b.doc_count;
      if (first === null || b.first.value < first) first = b.first.value;
      if (last === null || b.last.value > last) last = b.last.value;
    }
    if (page.buckets.length < COMPOSITE_PAGE || !page.after_key) break;
    after = page.after_key;
  }
  return {
    count,
    first_seen_us: first,
    last_seen_us: last,
    by_agent: [...agents]
      .map(([agent_id, n]) => ({ agent_id, count: n }))
      .sort((a, b) => b.count - a.count || (a.agent_id === b.agent_id ? 0 : a.agent_id === null ? 1 : b.agent_id === null ? -1 : a.agent_id < b.agent_id ? -1 : 1)),
    by_day: [...days].sort(([a], [b]) => a - b).map(([day, n]) => ({ day: isoFromMicros(day * DAY_US).slice(0, 10), count: n })),
  };
}
