import type { estypes } from '@elastic/elasticsearch';
import { histogramPercentile, PERCENTILE_RELATIVE_ERROR } from '../../model/duration-histogram.js';
import type { LedgerStats, StatsQuery } from '../store.js';
import { inclusiveRange, scopeFilters } from './ledger-query-dsl.js';

/**
 * Stats as aggregations, exact where the contract says exact: sums of
 * integers (micro-USD, µs) are exact in a double below 2^53; distinct agents
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
  return { bool: { filter } };
}

export function compositeAggregation(group: Group, after?: Record<string, string | number | null>): estypes.AggregationsAggregationContainer {
  return {
    composite: { size: COMPOSITE_PAGE, sources: [{ key: { terms: { field: GROUP_FIELD[group] } } }], ...(after ? { after } : {}) },
    ...(group === 'durations' ? {} : { aggs: { cost: { sum: { field: 'cost_micros' } } } }),
  };
}

/** The first request: outcomes (three buckets) with their sums, and the first page of every group. */
export function statsAggregations(): Aggregations {
  return {
    outcomes: {
      terms: { field: 'outcome', size: 10 },
      aggs: { cost: { sum: { field: 'cost_micros' } }, duration: { sum: { field: 'duration_us' } } },
    },
    ...Object.fromEntries(GROUPS.map((g) => [g, compositeAggregation(g)])),
  };
}

export interface GroupTotals {
  n: number;
  cost: number;
}

/** What the aggregations add up to; filled page by page. */
export class StatsGroups {
  readonly outcomes = new Map<string, GroupTotals & { dur: number }>();
  readonly names = new Map<string, GroupTotals>();
  readonly agents = new Map<string, GroupTotals>();
  readonly durations = new Map<number, number>();

  addOutcomes(agg: unknown): void {
    for (const b of (agg as { buckets: Array<{ key: string; doc_count: number; cost: { value: number }; duration: { value: number } }> }).buckets) {
      this.outcomes.set(b.key, { n: b.doc_count, cost: Math.round(b.cost.value), dur: Math.round(b.duration.value) });
    }
  }

  /** Adds one composite page; returns the key to continue after, or null when the group is complete. */
  addComposite(group: Group, agg: unknown): Record<string, string | number | null> | null {
    const page = agg as { buckets: Array<{ key: { key: string | number }; doc_count: number; cost?: { value: number } }>; after_key?: Record<string, string | number | null> };
    for (const b of page.buckets) {
      if (group === 'durations') this.durations.set(Number(b.key.key), b.doc_count);
      else this[group].set(String(b.key.key), { n: b.doc_count, cost: Math.round(b.cost!.value) });
    }
    // a short page is the last one: no request for an empty page
    return page.buckets.length < COMPOSITE_PAGE || !page.after_key ? null : page.after_key;
  }

  result(): LedgerStats {
    let total = 0;
    let cost = 0;
    let dur = 0;
    for (const o of this.outcomes.values()) {
      total += o.n;
      cost += o.cost;
      dur += o.dur;
    }
    return {
      total_actions: total,
      total_cost_usd: cost / 1e6,
      success_count: this.outcomes.get('success')?.n ?? 0,
      error_count: this.outcomes.get('error')?.n ?? 0,
      blocked_count: this.outcomes.get('blocked')?.n ?? 0,
      average_duration_ms: total ? Math.round(dur / total) / 1000 : 0,
      unique_agents: this.agents.size,
      unique_action_types: this.names.size,
      p50_duration_ms: histogramPercentile(this.durations, 50),
      p95_duration_ms: histogramPercentile(this.durations, 95),
      percentiles_relative_error: Math.round(PERCENTILE_RELATIVE_ERROR * 1000) / 1000,
      top_actions: top(this.names).map(([name, c]) => ({ name, count: c.n, cost_usd: c.cost / 1e6 })),
      top_agents: top(this.agents).map(([agent_id, c]) => ({ agent_id, count: c.n, cost_usd: c.cost / 1e6 })),
    };
  }
}

/** Top 20 by cost, then count, then key (the contract's order, the SQLite store's comparison). */
function top(map: Map<string, GroupTotals>): Array<[string, GroupTotals]> {
  return [...map.entries()]
    .sort(([ka, a], [kb, b]) => b.cost - a.cost || b.n - a.n || (ka < kb ? -1 : ka > kb ? 1 : 0))
    .slice(0, 20);
}
