import type { Client, estypes } from '@elastic/elasticsearch';
import { rollupsAnswer, splitRange } from '../rollup-rule.js';
import type { TimeseriesBucket, TimeseriesQuery } from '../store.js';
import { INTERVAL_US, TimeseriesAccumulator } from '../timeseries.js';
import type { IndexNames } from './index-names.js';
import type { RollupCoverage } from './rollup-coverage.js';
import { search } from './search-guard.js';
import { COMPOSITE_PAGE, statsQuery } from './stats-aggs.js';
import { addRollupSeries } from './stats-rollup-reader.js';

type Page = { buckets: Array<{ key: { bucket: number; outcome: string }; doc_count: number; cost: { value: number } }>; after_key?: Record<string, string | number> };

/**
 * Whole hours from the hourly rollups' outcome documents, the rest (partial
 * hours at the edges, hours before the rollups began, filters the rollups do
 * not carry) from the entries, as stats-reader.ts splits them: every bucket
 * is exact.
 */
export async function queryTimeseries(client: Client, names: IndexNames, q: TimeseriesQuery, coverage?: RollupCoverage): Promise<TimeseriesBucket[]> {
  const acc = new TimeseriesAccumulator(q);
  if (!coverage || !rollupsAnswer(q)) {
    await addEntrySeries(client, names, q, acc);
    return acc.result();
  }
  const split = splitRange(q.start_us, q.end_us, coverage.firstRolledHour);
  if (split.hours) await addRollupSeries(client, names.rollups, q.scope, split.hours, acc);
  for (const edge of split.edges) await addEntrySeries(client, names, { ...q, ...edge } as TimeseriesQuery, acc);
  return acc.result();
}

/** A composite aggregation of the entries (a histogram of their µs times in UTC hours or days, by outcome), walked to its end. */
async function addEntrySeries(client: Client, names: IndexNames, q: TimeseriesQuery, acc: TimeseriesAccumulator): Promise<void> {
  const query = statsQuery(q);
  let after: Record<string, string | number> | undefined;
  for (;;) {
    const aggs: Record<string, estypes.AggregationsAggregationContainer> = {
      series: {
        composite: {
          size: COMPOSITE_PAGE,
          sources: [{ bucket: { histogram: { field: 'ts_us', interval: INTERVAL_US[q.interval] } } }, { outcome: { terms: { field: 'outcome' } } }],
          ...(after ? { after } : {}),
        },
        aggs: { cost: { sum: { field: 'cost_nanos' } } },
      },
    };
    const r = await search(client, { index: names.entriesPattern, size: 0, track_total_hits: false, query, aggs });
    const page = (r.aggregations as Record<string, Page> | undefined)?.series;
    if (!page) return;
    for (const b of page.buckets) acc.add(b.key.bucket, b.key.outcome, b.doc_count, Math.round(b.cost.value));
    if (page.buckets.length < COMPOSITE_PAGE || !page.after_key) return;
    after = page.after_key;
  }
}
