import type { Context, Middleware, Next } from 'koa';
import { rateLimitHeaders } from '../auth/rate-limit/rate-limit-headers.js';
import type { RateLimitClass, RateLimiter } from '../auth/rate-limit/rate-limit-types.js';
import { ApiError } from './api-error.js';

/**
 * Counts a request against its credential's budget for `cls` and puts the
 * RateLimit-* headers on the response, whatever the route then answers (the
 * error middleware keeps headers set before a throw). An exhausted budget is a
 * 429 RATE_LIMITED carrying the same headers plus Retry-After; the route never
 * runs, so a refused request costs the store nothing.
 *
 * `credentialOf` returns null for a request without a credential: there is no
 * budget to charge, and authentication (mounted before or after) answers it.
 * To limit anonymous traffic too, return a key of your own (e.g. `ip:<addr>`).
 */
export function rateLimitMiddleware(
  limiter: RateLimiter,
  cls: RateLimitClass,
  credentialOf: (ctx: Context) => string | null,
  onRefused?: () => void,
): Middleware {
  return async (ctx: Context, next: Next): Promise<void> => {
    const credentialId = credentialOf(ctx);
    if (credentialId === null) return next();
    const decision = await limiter.hit(credentialId, cls);
    const headers = rateLimitHeaders(decision);
    if (!decision.allowed) {
      onRefused?.();
      throw new ApiError(
        429,
        'RATE_LIMITED',
        `rate limit of ${decision.limit} ${cls} requests exceeded for this credential; retry in ${decision.retryAfterSeconds} s`,
        headers,
      );
    }
    ctx.set(headers);
    await next();
  };
}
