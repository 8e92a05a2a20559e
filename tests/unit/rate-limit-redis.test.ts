import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../auth/rate-limit/create-rate-limiter.js';
import { MemoryRateLimiter } from '../../auth/rate-limit/memory-rate-limiter.js';
import { RATE_LIMIT_KEY_PREFIX, RedisRateLimiter, type RateLimitLogger } from '../../auth/rate-limit/redis-rate-limiter.js';
import { RATE_LIMIT_CLASSES, type RateLimitDecision, type RateLimits } from '../../auth/rate-limit/rate-limit-types.js';

/**
 * What only the Redis limiter has, against the real server in REDIS_URL:
 * one budget shared by several processes, atomic checks, expiring keys, the
 * same decisions as the memory limiter, and what happens when Redis goes away.
 * (Shared behaviour: rate-limit-behaviour.test.ts.)
 */

const REDIS_URL = process.env.REDIS_URL;
const SKIP_REASON = 'REDIS_URL is not set (scripts/test.sh starts a redis-server when it can): the Redis limiter is NOT verified here';
const LIMITS: RateLimits = { query_per_hour: 5, export_per_hour: 2, stats_per_hour: 3, ingest_per_hour: 4 };
const credential = () => `test-${randomUUID()}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function recordingLogger() {
  const lines: { level: 'warn' | 'info'; msg: string }[] = [];
  const logger: RateLimitLogger = {
    warn: (_obj, msg) => lines.push({ level: 'warn', msg }),
    info: (_obj, msg) => lines.push({ level: 'info', msg }),
  };
  return { logger, lines };
}

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/** Redis made unreachable by a test: a TCP proxy to it that the test can cut and restore. */
class CuttableProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  constructor(readonly port: number, private readonly target: URL) {}

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(Number(this.target.port || 6379), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server, 'listening');
  }

  /** Redis stops answering but the connection stays up (a hung server); thaw() lets the backlog through. */
  freeze(): void {
    for (const s of this.sockets) s.pause();
  }

  thaw(): void {
    for (const s of this.sockets) s.resume();
  }

  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
    this.server = null;
  }
}

describe('Redis rate limiter: unreachable Redis (needs no server)', () => {
  it('keeps answering within the timeout and enforces the limits per process, and says so once', async () => {
    const { logger, lines } = recordingLogger();
    const port = await freePort(); // nothing listens there
    const limiter = createRateLimiter({ limits: LIMITS, redisUrl: `redis://127.0.0.1:${port}`, windowSeconds: 3600, logger });
    const started = Date.now();
    const decisions: RateLimitDecision[] = [];
    for (let i = 0; i < 3; i++) decisions.push(await limiter.hit('k', 'export'));
    expect(Date.now() - started).toBeLessThan(1000);
    // Not failed open: the third export is refused by the local fallback, with the usual numbers.
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, false]);
    expect(decisions[2]).toMatchObject({ remaining: 0, retryAfterSeconds: 1800 });
    expect((limiter as RedisRateLimiter).usingFallback).toBe(true);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(lines[0].msg).toMatch(/Redis unreachable; enforcing them per process/);
    await limiter.close();
  });
});

describe.skipIf(!REDIS_URL)(`Redis rate limiter against REDIS_URL${REDIS_URL ? '' : ` (skipped: ${SKIP_REASON})`}`, () => {
  let admin: Redis;
  const open: { close(): Promise<void> }[] = [];
  const make = (options: Partial<Parameters<typeof createRateLimiter>[0]> = {}) => {
    const limiter = createRateLimiter({ limits: LIMITS, redisUrl: REDIS_URL!, windowSeconds: 3600, ...options }) as RedisRateLimiter;
    open.push(limiter);
    return limiter;
  };

  beforeAll(() => {
    admin = new Redis(REDIS_URL!);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((l) => l.close()));
  });
  afterAll(async () => {
    await admin.quit();
  });

  it('is what createRateLimiter gives with redis_url', () => {
    expect(make()).toBeInstanceOf(RedisRateLimiter);
  });

  it('shares one budget between two limiters, as two query processes would', async () => {
    const [a, b] = [make(), make()];
    const key = credential();
    const seen = [];
    for (let i = 0; i < LIMITS.query_per_hour; i++) seen.push(await (i % 2 ? b : a).hit(key, 'query'));
    expect(seen.map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0]);
    expect((await a.hit(key, 'query')).allowed).toBe(false);
    expect((await b.hit(key, 'query')).allowed).toBe(false);
  });

  it('is atomic: many concurrent checks from two processes never overspend', async () => {
    const [a, b] = [make(), make()];
    const key = credential();
    const decisions = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).hit(key, 'ingest')));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(LIMITS.ingest_per_hour);
    expect(decisions.filter((d) => d.allowed).map((d) => d.remaining).sort()).toEqual([0, 1, 2, 3]);
  });

  it('writes one key per credential and class, namespaced and expiring when the budget is whole again', async () => {
    // 2 per 0.4 s: each request holds 200 ms of budget.
    const limiter = make({ windowSeconds: 0.4 });
    const key = credential();
    await limiter.hit(key, 'export');
    const found = [];
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `*${key}*`, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    expect(found).toEqual([`${RATE_LIMIT_KEY_PREFIX}export:${key}`]);
    const ttl = await admin.pttl(found[0]);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(200);
    await sleep(300);
    expect(await admin.exists(found[0])).toBe(0);
  });

  it("uses the Redis server's clock when no clock is injected", async () => {
    // 2 per 2 s: one request's worth a second, slack enough for a loaded machine.
    const limiter = make({ windowSeconds: 2, limits: { ...LIMITS, stats_per_hour: 2 } });
    const key = credential();
    expect((await limiter.hit(key, 'stats')).allowed).toBe(true);
    expect((await limiter.hit(key, 'stats')).allowed).toBe(true);
    expect(await limiter.hit(key, 'stats')).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    await sleep(1050); // one request's worth frees up
    expect((await limiter.hit(key, 'stats')).allowed).toBe(true);
    expect((await limiter.hit(key, 'stats')).allowed).toBe(false);
  });

  it('decides exactly as the memory limiter on the same sequence (the Lua script is gcra.ts)', async () => {
    let ms = Date.UTC(2025, 5, 1);
    const clock = () => ms;
    // A window that does not divide evenly, to exercise the rounding on both sides.
    const limits: RateLimits = { query_per_hour: 7, export_per_hour: 3, stats_per_hour: 11, ingest_per_hour: 13 };
    const redis = make({ windowSeconds: 7.3, limits, clock });
    const memory = new MemoryRateLimiter({ windowSeconds: 7.3, limits, clock });
    const keys = [credential(), credential(), credential()];
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const fromRedis: RateLimitDecision[] = [];
    const fromMemory: RateLimitDecision[] = [];
    for (let i = 0; i < 600; i++) {
      const key = keys[Math.floor(random() * keys.length)];
      const cls = RATE_LIMIT_CLASSES[Math.floor(random() * RATE_LIMIT_CLASSES.length)];
      fromRedis.push(await redis.hit(key, cls));
      fromMemory.push(await memory.hit(key, cls));
      ms += random() < 0.7 ? random() * 50 : random() * 2000; // mostly bursts, sometimes pauses
    }
    expect(fromRedis).toEqual(fromMemory);
    expect(fromRedis.some((d) => !d.allowed)).toBe(true);
    expect(fromRedis.some((d) => d.allowed)).toBe(true);
  });

  it('does not let a hung Redis slow every request: one timeout, then local decisions until a cool-down ends', async () => {
    const { logger, lines } = recordingLogger();
    const proxy = new CuttableProxy(await freePort(), new URL(REDIS_URL!));
    await proxy.start();
    const limiter = new RedisRateLimiter({
      limits: LIMITS, windowSeconds: 3600, redisUrl: `redis://127.0.0.1:${proxy.port}`, logger, timeoutMs: 100, cooldownMs: 400,
    });
    open.push(limiter);
    const key = credential();
    expect(await limiter.hit(key, 'export')).toMatchObject({ allowed: true, remaining: 1 });

    proxy.freeze();
    let started = Date.now();
    expect(await limiter.hit(key, 'export')).toMatchObject({ allowed: true, remaining: 1 }); // the local budget
    expect(Date.now() - started).toBeLessThan(400);
    started = Date.now();
    expect(await limiter.hit(key, 'export')).toMatchObject({ allowed: true, remaining: 0 });
    expect(await limiter.hit(key, 'export')).toMatchObject({ allowed: false });
    expect(Date.now() - started).toBeLessThan(150); // cooling down: Redis is not asked (each ask would wait 100 ms)
    expect(limiter.usingFallback).toBe(true);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);

    proxy.thaw();
    await sleep(450);
    // Back on Redis, which counted the first request (and the one that timed out, answered late: never fewer).
    expect((await limiter.hit(key, 'export')).allowed).toBe(false);
    expect(limiter.usingFallback).toBe(false);
    expect(lines.at(-1)).toMatchObject({ level: 'info' });
    await limiter.close();
    await proxy.cut();
  });

  it('falls back to per-process limits while Redis is cut off, says so, and shares budgets again once it is back', async () => {
    const { logger, lines } = recordingLogger();
    const proxy = new CuttableProxy(await freePort(), new URL(REDIS_URL!));
    await proxy.start();
    const viaProxy = make({ redisUrl: `redis://127.0.0.1:${proxy.port}`, logger });
    const direct = make();
    const key = credential();

    expect(await viaProxy.hit(key, 'query')).toMatchObject({ allowed: true, remaining: 4 });
    expect(await direct.hit(key, 'query')).toMatchObject({ allowed: true, remaining: 3 });

    await proxy.cut();
    await until(() => viaProxy.usingFallback, 3000);
    // Cut off: the local budget (whole, it never saw the shared one) still ends at the limit.
    const local = [];
    for (let i = 0; i < LIMITS.query_per_hour + 1; i++) local.push(await viaProxy.hit(key, 'query'));
    expect(local.map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
    expect(viaProxy.usingFallback).toBe(true);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    // None of that reached Redis.
    expect(await direct.hit(key, 'query')).toMatchObject({ allowed: true, remaining: 2 });

    await proxy.start();
    await until(() => !viaProxy.usingFallback, 5000);
    expect(lines.at(-1)).toMatchObject({ level: 'info', msg: expect.stringMatching(/Redis reachable again/) });
    expect(await viaProxy.hit(key, 'query')).toMatchObject({ allowed: true, remaining: 1 });
    expect(await direct.hit(key, 'query')).toMatchObject({ allowed: true, remaining: 0 });
    await viaProxy.close();
    await proxy.cut();
  });
});
