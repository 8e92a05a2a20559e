import type { Client } from '@elastic/elasticsearch';
import type { LedgerStats, StatsQuery } from '../store.js';
import type { IndexNames } from './index-names.js';
import { search } from './search-guard.js';
import { compositeAggregation, GROUPS, statsAggregations, statsQuery, StatsGroups, type Group } from './stats-aggs.js';

/**
 * One search for everything, then rounds of one search each, carrying the
 * next page of every group that is not complete yet, until all are: each
 * search scans the matching entries once, so the scans are as many as the
 * longest group's pages, not their sum. Any range is exact: the filter is on
 * the entries' own µs times. (The store keeps no hourly rollup index of
 * entries, only runs: there is nothing smaller to aggregate.)
 */
export async function queryStats(client: Client, names: IndexNames, q: StatsQuery): Promise<LedgerStats> {
  const query = statsQuery(q);
  const groups = new StatsGroups();
  const first = await search(client, { index: names.entriesPattern, size: 0, track_total_hits: false, query, aggs: statsAggregations() });
  const aggs = (first.aggregations ?? {}) as Record<string, unknown>;
  if (!first.aggregations) return groups.result();
  groups.addOutcomes(aggs.outcomes);
  let pending = new Map<Group, Record<string, string | number | null>>();
  for (const g of GROUPS) {
    const after = groups.addComposite(g, aggs[g]);
    if (after) pending.set(g, after);
  }
  while (pending.size) {
    const round = Object.fromEntries([...pending].map(([group, after]) => [group, compositeAggregation(group, after)]));
    const r = await search(client, { index: names.entriesPattern, size: 0, track_total_hits: false, query, aggs: round });
    const next = new Map<Group, Record<string, string | number | null>>();
    for (const group of pending.keys()) {
      const after = groups.addComposite(group, (r.aggregations as Record<string, unknown>)[group]);
      if (after) next.set(group, after);
    }
    pending = next;
  }
  return groups.result();
}
