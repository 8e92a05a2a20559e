import type { Client } from '@elastic/elasticsearch';
import { HOUR_US } from '../rollup-rule.js';
import { StatsAccumulator } from '../stats-accumulator.js';
import { bulkItem, bulkOutcomes, bulkWithRetry, DEFAULT_RETRY } from './bulk-retry.js';
import type { IndexNames } from './index-names.js';
import { search } from './search-guard.js';
import { addEntryStats } from './stats-reader.js';
import { rollupDocId, type RollupDimension } from './stats-rollups.js';

/**
 * Retention of an organization's stats rollups (stats-rollups.ts), after its
 * expired entries went (agents-retention.ts): the hours wholly before the
 * cutoff lose their documents; the hour the cutoff cuts is counted again
 * from the entries left whenever its count differs from theirs. Comparing
 * instead of subtracting makes a sweep safe to repeat and to interrupt: an
 * interrupted rebuild is found (and done) by the next sweep.
 */
export async function sweepRollups(client: Client, names: IndexNames, organizationId: string, cutoffUs: number, batch: number): Promise<void> {
  const cutoffHour = Math.floor(cutoffUs / HOUR_US);
  const org = { term: { organization_id: organizationId } };
  await client.deleteByQuery({
    index: names.rollups, conflicts: 'proceed', refresh: true, scroll_size: batch, ignore_unavailable: true,
    query: { bool: { filter: [org, { range: { hour: { lt: cutoffHour } } }] } },
  });
  if (cutoffUs === cutoffHour * HOUR_US) return;
  const left = new StatsAccumulator();
  await addEntryStats(client, names, { scope: { organization_id: organizationId }, start_us: cutoffHour * HOUR_US, end_us: (cutoffHour + 1) * HOUR_US - 1 }, left);
  const entries = [...left.outcomes.values()].reduce((n, o) => n + o.n, 0);
  const hour = { bool: { filter: [org, { term: { hour: cutoffHour } }] } };
  const r = await search(client, { index: names.rollups, size: 0, track_total_hits: false, query: { bool: { filter: [...hour.bool.filter, { term: { dimension: 'outcome' } }] } }, aggs: { n: { sum: { field: 'n' } } } });
  if (Math.round((r.aggregations?.n as { value: number } | undefined)?.value ?? 0) === entries) return;
  await client.deleteByQuery({ index: names.rollups, conflicts: 'proceed', refresh: true, query: hour });
  const docs: Array<{ dimension: RollupDimension; key: string; n: number; cost: number | bigint; dur: number }> = [
    ...[...left.outcomes].map(([key, o]) => ({ dimension: 'outcome' as const, key, n: o.n, cost: o.cost.value, dur: o.dur })),
    ...[...left.names].map(([key, c]) => ({ dimension: 'name' as const, key, n: c.n, cost: c.cost.value, dur: 0 })),
    ...[...left.agents].map(([key, c]) => ({ dimension: 'agent' as const, key, n: c.n, cost: c.cost.value, dur: 0 })),
    ...[...left.durations].map(([key, n]) => ({ dimension: 'duration' as const, key: String(key), n, cost: 0, dur: 0 })),
  ];
  const items = docs.map((d, i) =>
    bulkItem(i, [
      { index: { _index: names.rollups, _id: rollupDocId(organizationId, cutoffHour, d.dimension, d.key) } },
      { organization_id: organizationId, hour: cutoffHour, dimension: d.dimension, key: d.key, n: d.n, cost_nanos: Number(d.cost), duration_us: d.dur, applied: [] },
    ]),
  );
  const send = async (lines: string[]) => bulkOutcomes(await client.bulk({ operations: lines, refresh: 'wait_for' }, { maxRetries: 0 }));
  const result = await bulkWithRetry(items, send, DEFAULT_RETRY, false);
  if (result.permanent.length) throw new Error(`elasticsearch refused ${result.permanent.length} rollup document(s) of hour ${cutoffHour}: ${result.permanent[0].reason}`);
}
