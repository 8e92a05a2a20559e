import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../auth/rate-limit/create-rate-limiter.js';
import { gcraParams } from '../../auth/rate-limit/gcra.js';
import { MemoryRateLimiter } from '../../auth/rate-limit/memory-rate-limiter.js';
import type { RateLimits } from '../../auth/rate-limit/rate-limit-types.js';

/** What only the in-process limiter has: bounded memory. (Shared behaviour: rate-limit-behaviour.test.ts.) */

const LIMITS: RateLimits = { query_per_hour: 5, export_per_hour: 2, stats_per_hour: 3, ingest_per_hour: 4 };

function fakeClock() {
  const clock = { ms: 1_700_000_000_000, now: () => clock.ms };
  return clock;
}

describe('memory rate limiter', () => {
  it('is what createRateLimiter gives without redis_url, with the seed hour as its default window', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ limits: LIMITS, redisUrl: null, clock: clock.now });
    expect(limiter).toBeInstanceOf(MemoryRateLimiter);
    expect(await limiter.hit('k', 'query')).toMatchObject({ allowed: true, resetSeconds: 3600 / 5 });
    await limiter.close();
  });

  it('forgets credentials whose budget has refilled (idle), and only those', async () => {
    const clock = fakeClock();
    const limiter = new MemoryRateLimiter({ limits: LIMITS, windowSeconds: 60, clock: clock.now });
    for (let i = 0; i < 1000; i++) await limiter.hit(`idle-${i}`, 'query'); // each holds 12 s of budget
    await limiter.hit('busy', 'export');
    await limiter.hit('busy', 'export'); // holds 60 s
    expect(limiter.size).toBe(1001);
    clock.ms += 13_000;
    await limiter.hit('newcomer', 'stats'); // the sweep runs from hit()
    expect(limiter.size).toBe(2);
    // The busy credential was not forgotten: it is still out of budget.
    expect((await limiter.hit('busy', 'export')).allowed).toBe(false);
  });

  it('holds at most maxEntries pairs, dropping the least recently seen first', async () => {
    const clock = fakeClock();
    const limiter = new MemoryRateLimiter({ limits: LIMITS, windowSeconds: 3600, clock: clock.now, maxEntries: 3 });
    await limiter.hit('b', 'export');
    await limiter.hit('a', 'export');
    await limiter.hit('a', 'export');
    await limiter.hit('c', 'export');
    expect((await limiter.hit('a', 'export')).allowed).toBe(false); // refused, but seen: moves to the back
    await limiter.hit('d', 'query'); // one too many: the least recently seen, b, goes
    expect(limiter.size).toBe(3);
    expect((await limiter.hit('a', 'export')).allowed).toBe(false); // a is still out of budget
    expect(await limiter.hit('b', 'export')).toMatchObject({ allowed: true, remaining: 1 }); // b started over
  });

  it('a refused request costs nothing: waiting out Retry-After is always enough', async () => {
    const clock = fakeClock();
    const limiter = new MemoryRateLimiter({ limits: LIMITS, windowSeconds: 60, clock: clock.now });
    await limiter.hit('k', 'export');
    await limiter.hit('k', 'export');
    let refused = await limiter.hit('k', 'export');
    for (let i = 0; i < 100; i++) refused = await limiter.hit('k', 'export'); // hammering does not push the time out
    expect(refused.retryAfterSeconds).toBe(30);
    clock.ms += refused.retryAfterSeconds * 1000;
    expect((await limiter.hit('k', 'export')).allowed).toBe(true);
  });

  it('rounds the per-request interval down, so the whole budget always fits in the window', () => {
    expect(gcraParams(7, 3600)).toEqual({ intervalUs: 514_285_714, capacityUs: 514_285_714 * 7 });
    expect(gcraParams(1_000_000, 3600).intervalUs).toBe(3600);
    expect(() => gcraParams(0, 3600)).toThrow(RangeError);
    expect(() => gcraParams(5, 0)).toThrow(RangeError);
  });
});
