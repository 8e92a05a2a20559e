import type { Client } from '@elastic/elasticsearch';
import type { LedgerStats, StatsQuery } from '../store.js';
import type { IndexNames } from './index-names.js';
import { compositeAggregation, GROUPS, statsAggregations, statsQuery, StatsGroups, type Group } from './stats-aggs.js';

/**
 * One search for everything, then one more per group that had more than a
 * page of distinct keys, until each is complete. Any range is exact: the
 * filter is on the entries' own µs times, not on hourly rollups.
 */
export async function queryStats(client: Client, names: IndexNames, q: StatsQuery): Promise<LedgerStats> {
  const query = statsQuery(q);
  const groups = new StatsGroups();
  const first = await client.search({ index: names.entriesPattern, size: 0, track_total_hits: false, query, aggs: statsAggregations() });
  const aggs = (first.aggregations ?? {}) as Record<string, unknown>;
  if (!first.aggregations) return groups.result();
  groups.addOutcomes(aggs.outcomes);
  const pending: Array<[Group, Record<string, string | number | null>]> = [];
  for (const g of GROUPS) {
    const after = groups.addComposite(g, aggs[g]);
    if (after) pending.push([g, after]);
  }
  while (pending.length) {
    const [group, after] = pending.shift()!;
    const r = await client.search({ index: names.entriesPattern, size: 0, track_total_hits: false, query, aggs: { [group]: compositeAggregation(group, after) } });
    const next = groups.addComposite(group, (r.aggregations as Record<string, unknown>)[group]);
    if (next) pending.push([group, next]);
  }
  return groups.result();
}
