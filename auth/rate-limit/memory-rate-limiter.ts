import { gcraParams, gcraStep, toMicros, type GcraParams } from './gcra.js';
import { limitOf, RATE_LIMIT_CLASSES, type Clock, type RateLimitClass, type RateLimitDecision, type RateLimiter, type RateLimits } from './rate-limit-types.js';

export interface MemoryRateLimiterOptions {
  limits: RateLimits;
  windowSeconds: number;
  clock?: Clock;
  /**
   * Most (credential, class) pairs held at once. Past it the least recently
   * seen pair is forgotten (its budget starts whole again): a bound on memory
   * that only matters with more live credentials than any deployment has.
   */
  maxEntries?: number;
}

/**
 * The embedded default: budgets in this process's memory (one process, or a
 * fallback while Redis is away). State is one TAT per (credential, class); a
 * TAT in the past means the budget is whole again, exactly as if the entry
 * were absent, so idle entries are dropped on a sweep at most once a second,
 * run from hit() itself (no timer to keep the process alive or to close).
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly tats = new Map<string, number>();
  private readonly params: Record<RateLimitClass, GcraParams>;
  private readonly clock: Clock;
  private readonly maxEntries: number;
  private lastSweepUs = -Infinity;

  constructor(private readonly options: MemoryRateLimiterOptions) {
    this.params = Object.fromEntries(
      RATE_LIMIT_CLASSES.map((cls) => [cls, gcraParams(limitOf(options.limits, cls), options.windowSeconds)]),
    ) as Record<RateLimitClass, GcraParams>;
    this.clock = options.clock ?? Date.now;
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  async hit(credentialId: string, cls: RateLimitClass): Promise<RateLimitDecision> {
    return this.hitSync(credentialId, cls);
  }

  /** The same decision without a promise, for the Redis limiter's fallback. */
  hitSync(credentialId: string, cls: RateLimitClass): RateLimitDecision {
    const nowUs = toMicros(this.clock());
    this.sweep(nowUs);
    // The class leads the key and has no ':', so no credential id can collide with another class's.
    const key = `${cls}:${credentialId}`;
    const stored = this.tats.get(key) ?? null;
    const step = gcraStep(stored, nowUs, limitOf(this.options.limits, cls), this.params[cls]);
    const tat = step.newTatUs ?? stored;
    if (tat !== null) {
      // Delete then set moves the key to the end, refused or not: Map order is least recently seen
      // first, so a credential hammering while out of budget is the last to be forgotten.
      this.tats.delete(key);
      this.tats.set(key, tat);
      if (this.tats.size > this.maxEntries) this.tats.delete(this.tats.keys().next().value as string);
    }
    return step.decision;
  }

  /** Pairs held now (tests watch eviction through it). */
  get size(): number {
    return this.tats.size;
  }

  async close(): Promise<void> {
    this.tats.clear();
  }

  private sweep(nowUs: number): void {
    if (nowUs - this.lastSweepUs < 1_000_000) return;
    this.lastSweepUs = nowUs;
    for (const [key, tat] of this.tats) if (tat <= nowUs) this.tats.delete(key);
  }
}
