/** Per-credential rate limits (ledger-api.txt, Rate Limits); see gcra.ts for the algorithm. */
export { createRateLimiter, type CreateRateLimiterOptions } from './create-rate-limiter.js';
export { rateLimitHeaders } from './rate-limit-headers.js';
export {
  RATE_LIMIT_CLASSES,
  limitOf,
  type Clock,
  type RateLimitClass,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimits,
} from './rate-limit-types.js';
export { MemoryRateLimiter } from './memory-rate-limiter.js';
export { RATE_LIMIT_KEY_PREFIX, RedisRateLimiter, type RateLimitLogger } from './redis-rate-limiter.js';
