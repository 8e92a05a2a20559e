import { Redis } from 'ioredis';
import { gcraParams, toMicros, type GcraParams } from './gcra.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { GCRA_LUA } from './redis-gcra-script.js';
import { limitOf, RATE_LIMIT_CLASSES, type Clock, type RateLimitClass, type RateLimitDecision, type RateLimiter, type RateLimits } from './rate-limit-types.js';

/** Every key this limiter writes starts with this, so it never meets the queue's or anyone else's keys. */
export const RATE_LIMIT_KEY_PREFIX = 'agent-ledger:rl:';

/** What the limiter says about Redis going away and coming back; pino's Logger fits. */
export interface RateLimitLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface RedisRateLimiterOptions {
  limits: RateLimits;
  windowSeconds: number;
  redisUrl: string;
  /** Injected by tests; without it the Redis server's clock decides (one time line for every process). */
  clock?: Clock;
  /** Longest a check waits on Redis before the request is decided locally instead. */
  timeoutMs?: number;
  /** How long, after a failed or slow call, checks go straight to the local fallback before Redis is tried again. */
  cooldownMs?: number;
  logger?: RateLimitLogger;
}

type GcraCommand = (key: string, intervalUs: number, capacityUs: number, limit: number, nowUs: number | '') => Promise<number[]>;

/**
 * Budgets in Redis, shared by every query process of a deployment: one
 * EVALSHA per check (redis-gcra-script.ts), keys under agent-ledger:rl: that
 * expire once the budget is whole again.
 *
 * When Redis is unreachable (down, disconnected, slower than timeoutMs) the
 * request is decided by a per-process memory limiter with the same limits:
 * reads of the audit ledger stay available, and limits stay enforced (per
 * process, so N processes allow up to N budgets) instead of being dropped
 * (fail open) or turning every read into an error (fail closed). The switch
 * is logged with a warning when it happens and again when Redis is back; it
 * is never silent. Commands are never queued while disconnected, so an
 * outage costs no request more than timeoutMs.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;
  private readonly gcra: GcraCommand;
  private readonly fallback: MemoryRateLimiter;
  private readonly params: Record<RateLimitClass, GcraParams>;
  private readonly cooldownMs: number;
  private skipRedisUntil = 0;
  private degraded = false;
  /** Pending until the first connection attempt ends either way; null after. */
  private firstConnect: Promise<void> | null;

  constructor(private readonly options: RedisRateLimiterOptions) {
    this.params = Object.fromEntries(
      RATE_LIMIT_CLASSES.map((cls) => [cls, gcraParams(limitOf(options.limits, cls), options.windowSeconds)]),
    ) as Record<RateLimitClass, GcraParams>;
    this.fallback = new MemoryRateLimiter({ limits: options.limits, windowSeconds: options.windowSeconds, clock: options.clock });
    this.cooldownMs = options.cooldownMs ?? 5_000;
    this.redis = new Redis(options.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.timeoutMs ?? 250,
      connectTimeout: 2_000,
      // Keep trying forever, at most every 2 s: the fallback covers the gap.
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    });
    // Without a listener ioredis prints every reconnect failure; the outage is reported once, in degrade().
    this.redis.on('error', (err: Error) => this.degrade(err));
    this.redis.on('ready', () => this.recover());
    this.firstConnect = new Promise((resolve) => {
      const settle = () => {
        this.firstConnect = null;
        resolve();
      };
      this.redis.once('ready', settle);
      this.redis.once('error', settle);
    });
    this.redis.defineCommand('agentLedgerGcra', { numberOfKeys: 1, lua: GCRA_LUA });
    this.gcra = (this.redis as unknown as { agentLedgerGcra: GcraCommand }).agentLedgerGcra.bind(this.redis);
  }

  /** True while checks are decided locally because Redis is unreachable. */
  get usingFallback(): boolean {
    return this.degraded;
  }

  async hit(credentialId: string, cls: RateLimitClass): Promise<RateLimitDecision> {
    // Right after start-up, wait (briefly) for the connection rather than count the first requests locally.
    if (this.firstConnect) await withTimeout(this.firstConnect, this.options.timeoutMs ?? 250);
    // Not connected, or cooling down after a failure: decide locally, at once.
    if (this.redis.status !== 'ready') {
      this.degrade(new Error(`Redis connection is ${this.redis.status}`));
      return this.fallback.hitSync(credentialId, cls);
    }
    if (Date.now() < this.skipRedisUntil) return this.fallback.hitSync(credentialId, cls);
    const p = this.params[cls];
    const limit = limitOf(this.options.limits, cls);
    const now = this.options.clock ? toMicros(this.options.clock()) : '';
    try {
      const [allowed, remaining, resetSeconds, retryAfterSeconds] = await this.gcra(
        `${RATE_LIMIT_KEY_PREFIX}${cls}:${credentialId}`,
        p.intervalUs,
        p.capacityUs,
        limit,
        now,
      );
      if (this.degraded) this.recover();
      return { allowed: allowed === 1, limit, remaining, resetSeconds, retryAfterSeconds };
    } catch (err) {
      // A timeout or a script error while connected: decide locally and leave Redis alone for a while,
      // so a slow Redis does not add timeoutMs to every request.
      this.skipRedisUntil = Date.now() + this.cooldownMs;
      this.degrade(err as Error);
      return this.fallback.hitSync(credentialId, cls);
    }
  }

  async close(): Promise<void> {
    this.redis.removeAllListeners('ready');
    if (this.redis.status === 'ready') {
      await this.redis.quit().catch(() => this.redis.disconnect());
    } else {
      this.redis.disconnect();
    }
    await this.fallback.close();
  }

  private degrade(err: Error): void {
    if (this.degraded) return;
    this.degraded = true;
    this.options.logger?.warn(
      { err: { message: err.message } },
      'rate limits: Redis unreachable; enforcing them per process in memory until it is back',
    );
  }

  private recover(): void {
    if (!this.degraded) return;
    if (Date.now() < this.skipRedisUntil) return;
    this.degraded = false;
    this.options.logger?.info({}, 'rate limits: Redis reachable again; budgets are shared again');
  }
}

async function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
