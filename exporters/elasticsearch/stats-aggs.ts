import type { estypes } from '@elastic/elasticsearch';
import type { LedgerStats, StatsQuery } from '../store.js';
import { StatsAccumulator } from '../stats-accumulator.js';
import { entryFieldFilters, inclusiveRange, scopeFilters } from './ledger-query-dsl.js';

/**
 * Stats as aggregations, exact where the contract says exact: sums of
 * integers (nano-USD, µs) are exact in a double below 2^53 (a cost sum of
 * ≈ 9 million USD: past it a total may be off by a few nanos; the SQLite
 * store sums exactly); distinct agents
 * and action names are counted by walking a `composite` aggregation to its
 * end (the `cardinality` aggregation is approximate), which also gives the
 * top 20 exactly, ranked here. Percentiles come from the same log-scale
 * buckets as the SQLite store (model/duration-histogram.ts), stored on each
 * entry as `duration_bucket`, so both stores report the same values.
 */
export const COMPOSITE_PAGE = 1000;
export const GROUPS = ['names', 'agents', 'durations'] as const;
export type Group = (typeof GROUPS)[number];
const GROUP_FIELD: Record<Group, string> = { names: 'name', agents: 'agent_id', durations: 'duration_bucket' };

type Aggregations = Record<string, estypes.AggregationsAggregationContainer>;

export function statsQuery(q: StatsQuery): estypes.QueryDslQueryContainer {
  const filter = [...scopeFilters(q.scope), ...inclusiveRange('ts_us', q.start_us, q.end_us)];
  if (q.agent_id !== undefined) filter.push({ term: { agent_id: q.agent_id } });
  filter.push(...entryFieldFilters(q));
  return { bool: { filter } };
}

export function compositeAggregation(group: Group, after?: Record<string, string | number | null>): estypes.AggregationsAggregationContainer {
  return {
    composite: { size: COMPOSITE_PAGE, sources: [{ key: { terms: { field: GROUP_FIELD[group] } } }], ...(after ? { after } : {}) },
    ...(group === 'durations' ? {} : { aggs: { cost: { sum: { field: 'cost_nanos' } } } }),
  };
}

/** The first request: outcomes (three buckets) with their sums, and the first page of every group. */
export function statsAggregations(): Aggregations {
  return {
    outcomes: {
      terms: { field: 'outcome', size: 10 },
      aggs: { cost: { sum: { field: 'cost_nanos' } }, duration: { sum: { field: 'duration_us' } } },
    },
    ...Object.fromEntries(GROUPS.map((g) => [g, compositeAggregation(g)])),
  };
}

/** What the aggregations add up to, page by page, summed by the same accumulator as the SQLite store's. */
export class StatsGroups {
  constructor(private readonly totals = new StatsAccumulator()) {}

  addOutcomes(agg: unknown): void {
    for (const b of (agg as { buckets: Array<{ key: string; doc_count: number; cost: { value: number }; duration: { value: number } }> }).buckets) {
      this.totals.addOutcome(b.key, b.doc_count, Math.round(b.cost.value), Math.round(b.duration.value));
    }
  }

  /** Adds one composite page; returns the key to continue after, or null when the group is complete. */
  addComposite(group: Group, agg: unknown): Record<string, string | number | null> | null {
    const page = agg as { buckets: Array<{ key: { key: string | number }; doc_count: number; cost?: { value: number } }>; after_key?: Record<string, string | number | null> };
    for (const b of page.buckets) {
      if (group === 'durations') this.totals.addDurationBucket(Number(b.key.key), b.doc_count);
      else if (group === 'names') this.totals.addName(String(b.key.key), b.doc_count, Math.round(b.cost!.value));
      else this.totals.addAgent(String(b.key.key), b.doc_count, Math.round(b.cost!.value));
    }
    // a short page is the last one: no request for an empty page
    return page.buckets.length < COMPOSITE_PAGE || !page.after_key ? null : page.after_key;
  }

  result(): LedgerStats {
    return this.totals.result();
  }
}
