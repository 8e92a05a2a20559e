import { NanoSum } from '../model/cost.js';
import { isoFromMicros } from '../model/time.js';
import type { TimeseriesBucket, TimeseriesInterval, TimeseriesQuery } from './store.js';

export const HOUR_US = 3_600_000_000;
export const INTERVAL_US: Record<TimeseriesInterval, number> = { hour: HOUR_US, day: 24 * HOUR_US };

/** The bucket (its first µs) that holds `us`: UTC hours and days are whole multiples from the epoch. */
export const bucketOf = (us: number, interval: TimeseriesInterval) => Math.floor(us / INTERVAL_US[interval]) * INTERVAL_US[interval];

/** How many buckets [start_us, end_us] spans. */
export const bucketCount = (q: Pick<TimeseriesQuery, 'interval' | 'start_us' | 'end_us'>) =>
  (bucketOf(q.end_us, q.interval) - bucketOf(q.start_us, q.interval)) / INTERVAL_US[q.interval] + 1;

interface Sums {
  success: number;
  error: number;
  blocked: number;
  cost: NanoSum;
}

/**
 * Adds up (hour or entry time, outcome, count, cost) rows from any store into
 * the query's buckets; every bucket of the range comes out, empty ones as zeros.
 */
export class TimeseriesAccumulator {
  private readonly buckets = new Map<number, Sums>();

  constructor(private readonly q: TimeseriesQuery) {}

  /** `us`: any µs inside the bucket (an hour's start, an entry's time). */
  add(us: number, outcome: string, n: number, costNanos: number | bigint): void {
    const key = bucketOf(us, this.q.interval);
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { success: 0, error: 0, blocked: 0, cost: new NanoSum() }));
    if (outcome === 'success' || outcome === 'error' || outcome === 'blocked') b[outcome] += n;
    b.cost.add(costNanos);
  }

  result(): TimeseriesBucket[] {
    const out: TimeseriesBucket[] = [];
    const step = INTERVAL_US[this.q.interval];
    for (let t = bucketOf(this.q.start_us, this.q.interval); t <= this.q.end_us; t += step) {
      const b = this.buckets.get(t);
      out.push({
        start: isoFromMicros(t),
        count: b ? b.success + b.error + b.blocked : 0,
        cost_usd: b ? b.cost.usd : 0,
        success_count: b?.success ?? 0,
        error_count: b?.error ?? 0,
        blocked_count: b?.blocked ?? 0,
      });
    }
    return out;
  }
}
