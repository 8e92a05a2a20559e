import type { RateLimitDecision } from './rate-limit-types.js';

/**
 * GCRA (generic cell rate algorithm), the token bucket written as one
 * timestamp: the "theoretical arrival time" (TAT) at which the credential's
 * used budget will have drained. Chosen over fixed windows because those let
 * a client spend the budget at the end of one window and again at the start
 * of the next (2x within seconds); here, after a burst of `limit` requests,
 * capacity comes back gradually, one request every window/limit. Chosen over
 * a sliding log because state is one number per credential and class, not one
 * entry per request (ingest budgets run to a million an hour).
 *
 * The bound, stated honestly: at most `limit` requests at once, and at most
 * `limit` + `limit`·t/window within any interval of length t.
 *
 * All arithmetic is on whole microseconds held in doubles (exact below 2^53,
 * i.e. until the year 2255), with the same operations in the same order as
 * the Lua twin in redis-gcra-script.ts, so both limiters decide identically.
 */

export interface GcraParams {
  /** Microseconds of budget one request uses: window / limit, rounded down (so `limit` requests always fit). */
  intervalUs: number;
  /** Microseconds of budget in total: interval × limit. */
  capacityUs: number;
}

export function gcraParams(limit: number, windowSeconds: number): GcraParams {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`rate limit must be a positive integer, got ${limit}`);
  if (!(windowSeconds > 0)) throw new RangeError(`rate limit window must be positive, got ${windowSeconds}`);
  const intervalUs = Math.max(1, Math.floor((windowSeconds * 1_000_000) / limit));
  return { intervalUs, capacityUs: intervalUs * limit };
}

export interface GcraStep {
  decision: RateLimitDecision;
  /** The TAT to store when allowed (unchanged state when refused: a refused request costs nothing). */
  newTatUs: number | null;
}

/** One request at `nowUs` against the stored TAT (null: none stored, the budget is whole). */
export function gcraStep(storedTatUs: number | null, nowUs: number, limit: number, p: GcraParams): GcraStep {
  const tat = storedTatUs === null || storedTatUs < nowUs ? nowUs : storedTatUs;
  const newTat = tat + p.intervalUs;
  if (newTat - nowUs > p.capacityUs) {
    return {
      newTatUs: null,
      decision: {
        allowed: false,
        limit,
        remaining: 0,
        resetSeconds: Math.ceil((tat - nowUs) / 1_000_000),
        retryAfterSeconds: Math.max(1, Math.ceil((newTat - p.capacityUs - nowUs) / 1_000_000)),
      },
    };
  }
  return {
    newTatUs: newTat,
    decision: {
      allowed: true,
      limit,
      remaining: Math.floor((p.capacityUs - (newTat - nowUs)) / p.intervalUs),
      resetSeconds: Math.ceil((newTat - nowUs) / 1_000_000),
      retryAfterSeconds: 0,
    },
  };
}

/** Milliseconds (a Clock's unit, possibly fractional) to whole microseconds. */
export function toMicros(ms: number): number {
  return Math.floor(ms * 1000);
}
