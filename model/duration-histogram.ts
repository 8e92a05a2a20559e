/**
 * Log-scale duration buckets for approximate percentiles kept in rollups:
 * bucket b holds durations in [GROWTH^(b-1), GROWTH^b) µs, and a percentile is
 * reported as its bucket's geometric middle, so within ±5% of the true value.
 */
const GROWTH = 1.1;
const LOG_GROWTH = Math.log(GROWTH);

export const PERCENTILE_RELATIVE_ERROR = (Math.sqrt(GROWTH) - 1);

export function durationBucket(durationMs: number): number {
  const us = durationMs * 1000;
  return us < 1 ? 0 : Math.floor(Math.log(us) / LOG_GROWTH) + 1;
}

function bucketMiddleMs(bucket: number): number {
  if (bucket === 0) return 0;
  return Math.exp((bucket - 0.5) * LOG_GROWTH) / 1000;
}

/** The p-th percentile (0 < p ≤ 100) of a bucket → count histogram, or null when it is empty. */
export function histogramPercentile(histogram: Map<number, number>, p: number): number | null {
  let total = 0;
  for (const n of histogram.values()) total += n;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const bucket of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(bucket)!;
    if (seen >= rank) return Math.round(bucketMiddleMs(bucket) * 1000) / 1000;
  }
  return null;
}

/** Integer µs of a duration: sums of these are exact on every store. */
export function durationMicros(durationMs: number): number {
  return Math.round(durationMs * 1000);
}
