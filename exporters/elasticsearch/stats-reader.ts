import type { Client } from '@elastic/elasticsearch';
import { rollupsAnswer, splitRange } from '../rollup-rule.js';
import { StatsAccumulator } from '../stats-accumulator.js';
import type { LedgerStats, StatsQuery } from '../store.js';
import type { IndexNames } from './index-names.js';
import type { RollupCoverage } from './rollup-coverage.js';
import { search } from './search-guard.js';
import { compositeAggregation, GROUPS, statsAggregations, statsQuery, StatsGroups, type Group } from './stats-aggs.js';
import { addRollupStats } from './stats-rollup-reader.js';

/**
 * As on SQLite (exporters/sqlite/stats-reader.ts): whole hours from the
 * hourly rollups (stats-rollups.ts), the partial hours at the edges of a
 * range, and the hours before the rollups began (rollup-coverage.ts), from
 * aggregations over the entries, so any range is exact. Filters the rollups
 * do not carry (rollup-rule.ts) aggregate the entries. Without `coverage`,
 * every answer aggregates the entries.
 */
export async function queryStats(client: Client, names: IndexNames, q: StatsQuery, coverage?: RollupCoverage): Promise<LedgerStats> {
  const acc = new StatsAccumulator();
  if (!coverage || !rollupsAnswer(q)) {
    await addEntryStats(client, names, q, acc);
    return acc.result();
  }
  const split = splitRange(q.start_us, q.end_us, coverage.firstRolledHour);
  if (split.hours) await addRollupStats(client, names.rollups, q.scope, split.hours, acc);
  for (const edge of split.edges) await addEntryStats(client, names, { ...q, ...edge }, acc);
  return acc.result();
}

/**
 * One search for everything, then rounds of one search each, carrying the
 * next page of every group that is not complete yet, until all are: each
 * search scans the matching entries once, so the scans are as many as the
 * longest group's pages, not their sum. The filter is on the entries' own µs times.
 */
export async function addEntryStats(client: Client, names: IndexNames, q: StatsQuery, acc: StatsAccumulator): Promise<void> {
  const query = statsQuery(q);
  const groups = new StatsGroups(acc);
  const first = await search(client, { index: names.entriesPattern, size: 0, track_total_hits: false, query, aggs: statsAggregations() });
  const aggs = (first.aggregations ?? {}) as Record<string, unknown>;
  if (!first.aggregations) return;
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
}
