import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from '../../auth/rate-limit/memory-rate-limiter.js';
import { rateLimitHeaders } from '../../auth/rate-limit/rate-limit-headers.js';
import { validationError } from '../../query-api/api-error.js';
import { errorMiddleware } from '../../query-api/error-middleware.js';
import { rateLimitMiddleware } from '../../query-api/rate-limit-middleware.js';

/** The middleware on a tiny Koa app, behind the real error middleware; the credential comes from a test header. */

describe('rateLimitHeaders', () => {
  it('names the IETF draft headers, and adds Retry-After only to a refusal', () => {
    expect(rateLimitHeaders({ allowed: true, limit: 100, remaining: 99, resetSeconds: 36, retryAfterSeconds: 0 })).toEqual({
      'RateLimit-Limit': '100',
      'RateLimit-Remaining': '99',
      'RateLimit-Reset': '36',
    });
    expect(rateLimitHeaders({ allowed: false, limit: 100, remaining: 0, resetSeconds: 3600, retryAfterSeconds: 36 })).toEqual({
      'RateLimit-Limit': '100',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '3600',
      'Retry-After': '36',
    });
  });
});

describe('rateLimitMiddleware', () => {
  let server: Server;
  let base: string;
  let clock = 0;
  let routeRuns = 0;
  let limiter: MemoryRateLimiter;

  beforeAll(async () => {
    const app = new Koa();
    app.use(errorMiddleware(pino({ level: 'silent' })));
    app.use(
      rateLimitMiddleware(
        { hit: (credential, cls) => limiter.hit(credential, cls), close: async () => {} },
        'export',
        (ctx) => ctx.get('x-test-credential') || null,
      ),
    );
    app.use((ctx) => {
      routeRuns++;
      if (ctx.path === '/bad') throw validationError('page_size must be at most 1000');
      ctx.body = { ok: true };
    });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    clock = Date.UTC(2025, 0, 1);
    routeRuns = 0;
    limiter = new MemoryRateLimiter({
      limits: { query_per_hour: 1000, export_per_hour: 2, stats_per_hour: 600, ingest_per_hour: 1000 },
      windowSeconds: 3600,
      clock: () => clock,
    });
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const get = (path: string, credential?: string) =>
    fetch(`${base}${path}`, { headers: credential ? { 'x-test-credential': credential } : {} });

  it('puts the RateLimit headers on a successful response', async () => {
    const res = await get('/ok', 'key-1');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(res.headers.get('ratelimit-limit')).toBe('2');
    expect(res.headers.get('ratelimit-remaining')).toBe('1');
    expect(res.headers.get('ratelimit-reset')).toBe('1800');
    expect(res.headers.get('retry-after')).toBeNull();
  });

  it('answers an exhausted budget with 429 RATE_LIMITED, Retry-After and the headers, without running the route', async () => {
    await get('/ok', 'key-1');
    await get('/ok', 'key-1');
    clock += 600_000; // 10 minutes of the 30 one request needs
    const res = await get('/ok', 'key-1');
    expect(res.status).toBe(429);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('RATE_LIMITED');
    expect(body.error.message).toMatch(/rate limit of 2 export requests exceeded.*retry in 1200 s/);
    expect(Object.keys(body)).toEqual(['error']);
    expect(res.headers.get('retry-after')).toBe('1200');
    expect(res.headers.get('ratelimit-limit')).toBe('2');
    expect(res.headers.get('ratelimit-remaining')).toBe('0');
    expect(res.headers.get('ratelimit-reset')).toBe('3000');
    expect(routeRuns).toBe(2);
    // Another credential is unaffected.
    expect((await get('/ok', 'key-2')).status).toBe(200);
  });

  it("keeps the headers on the route's own errors", async () => {
    const res = await get('/bad', 'key-1');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_ERROR');
    expect(res.headers.get('ratelimit-remaining')).toBe('1');
  });

  it('charges nothing and sets nothing for a request without a credential', async () => {
    const res = await get('/ok');
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-limit')).toBeNull();
    expect(limiter.size).toBe(0);
  });
});
