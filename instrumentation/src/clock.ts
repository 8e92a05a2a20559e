import { performance } from 'node:perf_hooks';

/**
 * Wall-clock time in milliseconds with sub-millisecond precision.
 *
 * The SDK starts spans at Date.now(), whole milliseconds, so two quick tool
 * calls often share a start time and the ledger can no longer tell which
 * came first. This clock follows the monotonic clock from a wall-clock
 * anchor, and re-anchors when the two drift apart (a suspended laptop, an
 * NTP step), so it stays within ~2 ms of Date.now().
 * Spans given an explicit start need an explicit end too (the SDK then stops
 * measuring the duration itself): pass preciseNow() to both.
 */
let anchorWall = Date.now();
let anchorPerf = performance.now();

const MAX_DRIFT_MS = 2;

export function preciseNow(): number {
  const perf = performance.now();
  const wall = Date.now();
  const t = anchorWall + (perf - anchorPerf);
  if (Math.abs(t - wall) <= MAX_DRIFT_MS) return t;
  anchorWall = wall;
  anchorPerf = perf;
  return wall;
}
