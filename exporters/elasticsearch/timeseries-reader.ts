import type { Client, estypes } from '@elastic/elasticsearch';
import type { TimeseriesBucket, TimeseriesQuery } from '../store.js';
import { INTERVAL_US, TimeseriesAccumulator } from '../timeseries.js';
import type { IndexNames } from './index-names.js';
import { search } from './search-guard.js';
import { COMPOSITE_PAGE, statsQuery } from './stats-aggs.js';

type Page = { buckets: Array<{ key: { bucket: number; outcome: string }; doc_count: number; cost: { value: number } }>; after_key?: Record<string, string | number> };

/**
 * The time series as one composite aggregation (a histogram of the entries'
 * µs times in UTC hours or days, by outcome), walked page by page to its
 * end: exact for any range, since the filter is on the entries' own times.
 */
export async function queryTimeseries(client: Client, names: IndexNames, q: TimeseriesQuery): Promise<TimeseriesBucket[]> {
  const acc = new TimeseriesAccumulator(q);
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
    if (!page) break;
    for (const b of page.buckets) acc.add(b.key.bucket, b.key.outcome, b.doc_count, Math.round(b.cost.value));
    if (page.buckets.length < COMPOSITE_PAGE || !page.after_key) break;
    after = page.after_key;
  }
  return acc.result();
}
