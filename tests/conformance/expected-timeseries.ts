import type { EntryRecord } from '../../model/ledger-entry.js';
import { isoFromMicros } from '../../model/time.js';
import type { TimeseriesBucket, TimeseriesQuery } from '../../exporters/store.js';
import { usdOf } from '../helpers/usd.js';
import { inScope, matchesEntryFields } from './expected-ledger.js';

const STEP_US = { hour: 3_600_000_000, day: 86_400_000_000 };

/** store.ts TimeseriesQuery, word for word: every UTC bucket touching the range, each counting the matching entries that start in it and in the range. */
export function expectedTimeseries(entries: readonly EntryRecord[], q: TimeseriesQuery): TimeseriesBucket[] {
  const step = STEP_US[q.interval];
  const out: TimeseriesBucket[] = [];
  for (let t = Math.floor(q.start_us / step) * step; t <= q.end_us; t += step) {
    const inBucket = entries.filter(
      (e) =>
        inScope(e, q.scope) &&
        (q.agent_id === undefined || e.agent_id === q.agent_id) &&
        matchesEntryFields(e, q) &&
        e.start_us >= Math.max(t, q.start_us) &&
        e.start_us <= Math.min(t + step - 1, q.end_us),
    );
    const count = (o: string) => inBucket.filter((e) => e.outcome === o).length;
    out.push({
      start: isoFromMicros(t),
      count: inBucket.length,
      cost_usd: usdOf(inBucket.reduce((s, e) => s + BigInt(e.cost_nanos), 0n)),
      success_count: count('success'),
      error_count: count('error'),
      blocked_count: count('blocked'),
    });
  }
  return out;
}
