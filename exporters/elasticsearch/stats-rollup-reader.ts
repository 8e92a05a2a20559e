import type { Client, estypes } from '@elastic/elasticsearch';
import { HOUR_US, type RangeSplit } from '../rollup-rule.js';
import type { StatsAccumulator } from '../stats-accumulator.js';
import type { QueryScope } from '../store.js';
import type { TimeseriesAccumulator } from '../timeseries.js';
import { inclusiveRange, scopeFilters } from './ledger-query-dsl.js';
import { ROLLUP_DIMENSIONS } from './stats-rollups.js';
import { search } from './search-guard.js';

/** Whole hours only: `splitRange`'s rollup part. */
export type RollupHours = NonNullable<RangeSplit['hours']>;

/** Buckets of the rollup walk; a page holds every (dimension, key) of a month many times over. */
const PAGE = 1000;

type Bucket = { key: Record<string, string | number>; n: { value: number }; cost: { value: number }; dur: { value: number } };

function rollupQuery(scope: QueryScope, hours: RollupHours, dimensions: readonly string[]): estypes.QueryDslQueryContainer {
  // the organization only: rollups have no user (rollupsAnswer keeps user scopes on the entries)
  const filter = [...scopeFilters({ organization_id: scope.organization_id }), ...inclusiveRange('hour', hours.fromHour, hours.toHour), { terms: { dimension: [...dimensions] } }];
  return { bool: { filter } };
}

/** Walks a composite aggregation of summed rollup documents to its end. */
async function walk(client: Client, index: string, query: estypes.QueryDslQueryContainer, sources: Array<Record<string, unknown>>, each: (b: Bucket) => void): Promise<void> {
  let after: Record<string, string | number> | undefined;
  for (;;) {
    const r = await search(client, {
      index, size: 0, track_total_hits: false, query,
      aggs: {
        rollups: {
          composite: { size: PAGE, sources: sources as never, ...(after ? { after } : {}) },
          aggs: { n: { sum: { field: 'n' } }, cost: { sum: { field: 'cost_nanos' } }, dur: { sum: { field: 'duration_us' } } },
        },
      },
    });
    const page = (r.aggregations as Record<string, { buckets: Bucket[]; after_key?: Record<string, string | number> }> | undefined)?.rollups;
    if (!page) return;
    for (const b of page.buckets) each(b);
    if (page.buckets.length < PAGE || !page.after_key) return;
    after = page.after_key;
  }
}

/** Adds the rollups of whole hours to the stats: one walk over (dimension, key), summed over the hours. */
export async function addRollupStats(client: Client, index: string, scope: QueryScope, hours: RollupHours, acc: StatsAccumulator): Promise<void> {
  const sources = [{ dimension: { terms: { field: 'dimension' } } }, { key: { terms: { field: 'key' } } }];
  await walk(client, index, rollupQuery(scope, hours, ROLLUP_DIMENSIONS), sources, (b) => {
    const [n, cost, dur] = [Math.round(b.n.value), Math.round(b.cost.value), Math.round(b.dur.value)];
    if (n === 0) return;
    const key = String(b.key.key);
    if (b.key.dimension === 'outcome') acc.addOutcome(key, n, cost, dur);
    else if (b.key.dimension === 'name') acc.addName(key, n, cost);
    else if (b.key.dimension === 'agent') acc.addAgent(key, n, cost);
    else acc.addDurationBucket(Number(key), n);
  });
}

/** Adds the rollups of whole hours to the time series: outcomes by hour. */
export async function addRollupSeries(client: Client, index: string, scope: QueryScope, hours: RollupHours, acc: TimeseriesAccumulator): Promise<void> {
  const sources = [{ hour: { terms: { field: 'hour' } } }, { key: { terms: { field: 'key' } } }];
  await walk(client, index, rollupQuery(scope, hours, ['outcome']), sources, (b) => {
    const n = Math.round(b.n.value);
    if (n !== 0) acc.add(Number(b.key.hour) * HOUR_US, String(b.key.key), n, Math.round(b.cost.value));
  });
}
