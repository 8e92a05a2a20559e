import type { RateLimitDecision } from './rate-limit-types.js';

/**
 * The headers of one decision, under the IETF draft's names
 * (draft-ietf-httpapi-ratelimit-headers): RateLimit-Limit, RateLimit-Remaining
 * and RateLimit-Reset (delta seconds until the whole budget is back), plus
 * Retry-After on a refusal (seconds until the next request would pass), the
 * header OTLP exporters and most HTTP clients already honour.
 */
export function rateLimitHeaders(d: RateLimitDecision): Record<string, string> {
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(d.limit),
    'RateLimit-Remaining': String(d.remaining),
    'RateLimit-Reset': String(d.resetSeconds),
  };
  if (!d.allowed) headers['Retry-After'] = String(d.retryAfterSeconds);
  return headers;
}
