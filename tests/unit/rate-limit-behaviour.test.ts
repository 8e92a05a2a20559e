import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../auth/rate-limit/create-rate-limiter.js';
import { RATE_LIMIT_CLASSES, type RateLimiter, type RateLimits } from '../../auth/rate-limit/rate-limit-types.js';

/**
 * The behaviour both limiters promise, run on each: the memory one always,
 * the Redis one against the real server in REDIS_URL (scripts/test.sh starts
 * one). Time is a fake clock the test moves; the Redis script takes it as an
 * argument, so the same seconds pass on both without sleeping.
 */

const REDIS_URL = process.env.REDIS_URL ?? null;
const LIMITS: RateLimits = { query_per_hour: 5, export_per_hour: 2, stats_per_hour: 3, ingest_per_hour: 4 };

class FakeClock {
  ms = Date.UTC(2025, 0, 1);
  readonly now = () => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

const backends = [
  { name: 'memory', redisUrl: null, skip: false, why: '' },
  {
    name: 'redis',
    redisUrl: REDIS_URL,
    skip: REDIS_URL === null,
    why: 'REDIS_URL is not set (scripts/test.sh starts a redis-server when it can): the Redis limiter is NOT verified here',
  },
];

for (const backend of backends) {
  describe.skipIf(backend.skip)(`rate limiter behaviour: ${backend.name}${backend.skip ? ` (skipped: ${backend.why})` : ''}`, () => {
    const open: RateLimiter[] = [];
    const make = (windowSeconds: number, limits: RateLimits = LIMITS) => {
      const clock = new FakeClock();
      const limiter = createRateLimiter({ limits, redisUrl: backend.redisUrl, windowSeconds, clock: clock.now });
      open.push(limiter);
      return { limiter, clock };
    };
    // Fresh credentials per test: the Redis server outlives tests (and runs).
    const credential = () => `test-${randomUUID()}`;

    afterEach(async () => {
      await Promise.all(open.splice(0).map((l) => l.close()));
    });

    it('gives each class its own budget, counting down, then refuses with Retry-After', async () => {
      const { limiter } = make(3600);
      const key = credential();
      for (const cls of RATE_LIMIT_CLASSES) {
        const limit = LIMITS[`${cls}_per_hour`];
        for (let i = 1; i <= limit; i++) {
          const d = await limiter.hit(key, cls);
          expect(d, `${cls} #${i}`).toMatchObject({ allowed: true, limit, remaining: limit - i, retryAfterSeconds: 0 });
        }
        const refused = await limiter.hit(key, cls);
        expect(refused).toMatchObject({ allowed: false, limit, remaining: 0 });
        // One request's worth of budget comes back after an hour / limit.
        expect(refused.retryAfterSeconds).toBe(Math.ceil(3600 / limit));
        expect(refused.resetSeconds).toBe(3600);
      }
    });

    it('keeps credentials apart', async () => {
      const { limiter } = make(3600);
      const [a, b] = [credential(), credential()];
      for (let i = 0; i < LIMITS.export_per_hour; i++) expect((await limiter.hit(a, 'export')).allowed).toBe(true);
      expect((await limiter.hit(a, 'export')).allowed).toBe(false);
      expect(await limiter.hit(b, 'export')).toMatchObject({ allowed: true, remaining: LIMITS.export_per_hour - 1 });
      // Nor does one class's exhaustion touch another's.
      expect(await limiter.hit(a, 'query')).toMatchObject({ allowed: true, remaining: LIMITS.query_per_hour - 1 });
    });

    it('does not hand out a second budget at a window edge: capacity comes back gradually', async () => {
      // 4 per 60 s: one request's worth every 15 s.
      const { limiter, clock } = make(60);
      const key = credential();
      clock.advance(59); // the end of what a fixed window would call a window
      for (let i = 0; i < 4; i++) expect((await limiter.hit(key, 'ingest')).allowed).toBe(true);
      clock.advance(2); // a fixed window would have reset here
      const refused = await limiter.hit(key, 'ingest');
      expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 13, resetSeconds: 58 });
      clock.advance(12.999);
      expect((await limiter.hit(key, 'ingest')).allowed).toBe(false);
      clock.advance(0.001);
      expect(await limiter.hit(key, 'ingest')).toMatchObject({ allowed: true, remaining: 0 });
      expect((await limiter.hit(key, 'ingest')).allowed).toBe(false);
      // A full window after the burst the whole budget is back.
      clock.advance(60);
      expect(await limiter.hit(key, 'ingest')).toMatchObject({ allowed: true, remaining: 3, resetSeconds: 15 });
    });

    it('lets a client hammering for ten windows through at the sustained rate, never 2x', async () => {
      const { limiter, clock } = make(60);
      const key = credential();
      const allowedAt: number[] = [];
      for (let second = 0; second < 600; second++) {
        if ((await limiter.hit(key, 'ingest')).allowed) allowedAt.push(second);
        clock.advance(1);
      }
      // The initial burst of 4, then one every 15 s: 4 + 600 / 15.
      expect(allowedAt.length).toBe(4 + 39);
      expect(allowedAt.slice(0, 6)).toEqual([0, 1, 2, 3, 15, 30]);
      for (let start = 0; start < 600; start++) {
        const inWindow = allowedAt.filter((s) => s >= start && s < start + 60).length;
        // The stated bound, limit + limit * t / window, is 8 for t = 60 s; once the burst
        // has left the window, no 60 s holds more than the limit: no second budget at any edge.
        expect(inWindow, `60 s from ${start}`).toBeLessThanOrEqual(start < 4 ? 8 : 4);
      }
    });

    it('reports the remaining budget and the reset as capacity drains and refills', async () => {
      const { limiter, clock } = make(60);
      const key = credential();
      expect(await limiter.hit(key, 'stats')).toMatchObject({ allowed: true, remaining: 2, resetSeconds: 20 });
      expect(await limiter.hit(key, 'stats')).toMatchObject({ allowed: true, remaining: 1, resetSeconds: 40 });
      clock.advance(25);
      // 25 s freed one request's worth (20 s) and a quarter: one more than before, reset 15 s sooner.
      expect(await limiter.hit(key, 'stats')).toMatchObject({ allowed: true, remaining: 1, resetSeconds: 35 });
    });
  });
}
