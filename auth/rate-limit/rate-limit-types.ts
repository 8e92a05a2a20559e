/**
 * The vocabulary of rate limiting. ledger-api.txt (Rate Limits) names three
 * classes of read traffic with their own budgets; ingest gets a fourth so a
 * chatty agent cannot starve anything else. Budgets are per credential, not
 * per organization, so one noisy key never locks out a tenant's auditors.
 */
export const RATE_LIMIT_CLASSES = ['query', 'export', 'stats', 'ingest'] as const;
export type RateLimitClass = (typeof RATE_LIMIT_CLASSES)[number];

/** The config's `rate_limits` block (config/schema.ts): requests a credential may make per hour, per class. */
export interface RateLimits {
  query_per_hour: number;
  export_per_hour: number;
  stats_per_hour: number;
  ingest_per_hour: number;
}

/**
 * The answer to one request. All numbers are whole, ready for headers, and
 * computed identically by the memory and the Redis limiter.
 */
export interface RateLimitDecision {
  allowed: boolean;
  /** The class's budget: requests per window. */
  limit: number;
  /** Requests that would still be allowed right now, after this one. */
  remaining: number;
  /**
   * Seconds until the window frees capacity, i.e. until the whole budget is
   * available again (`remaining` back to `limit`); 0 when nothing is used.
   * Capacity frees continuously, one request every window/limit seconds.
   */
  resetSeconds: number;
  /**
   * Seconds until the next request would be allowed: 0 when allowed, at
   * least 1 when refused (a 0 would invite a client to retry in a hot loop).
   */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts one request of `cls` by `credentialId` (if allowed) and says whether it may proceed. Never rejects. */
  hit(credentialId: string, cls: RateLimitClass): Promise<RateLimitDecision>;
  close(): Promise<void>;
}

/** Milliseconds since the epoch; injected by tests so time can be moved without sleeping. */
export type Clock = () => number;

/** The budget of one class. */
export function limitOf(limits: RateLimits, cls: RateLimitClass): number {
  return limits[`${cls}_per_hour`];
}
