import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { RedisRateLimiter, type RateLimitLogger } from './redis-rate-limiter.js';
import type { Clock, RateLimiter, RateLimits } from './rate-limit-types.js';

export interface CreateRateLimiterOptions {
  /** The config's rate_limits: each `<class>_per_hour` is the budget of one window. */
  limits: RateLimits;
  /** The config's redis_url (or REDIS_URL): set, budgets are shared through Redis; null, kept in this process. */
  redisUrl: string | null;
  /** The window the budgets are per; 3600 (the seed's hour) unless a test wants a short one. */
  windowSeconds?: number;
  /** Tests inject time; otherwise Date.now (memory) or the Redis server's clock (Redis). */
  clock?: Clock;
  /** Told when Redis goes away (limits then enforced per process) and when it is back. */
  logger?: RateLimitLogger;
}

/** The one way the rest of the code gets a limiter: Redis when configured, memory otherwise. */
export function createRateLimiter(options: CreateRateLimiterOptions): RateLimiter {
  const windowSeconds = options.windowSeconds ?? 3600;
  if (options.redisUrl === null) {
    return new MemoryRateLimiter({ limits: options.limits, windowSeconds, clock: options.clock });
  }
  return new RedisRateLimiter({
    limits: options.limits,
    windowSeconds,
    redisUrl: options.redisUrl,
    clock: options.clock,
    logger: options.logger,
  });
}
