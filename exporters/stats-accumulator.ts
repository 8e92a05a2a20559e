import { durationBucket, durationMicros, histogramPercentile, PERCENTILE_RELATIVE_ERROR } from '../model/duration-histogram.js';
import { compareNanos, NanoSum } from '../model/cost.js';
import type { LedgerStats } from './store.js';

interface CountCost {
  n: number;
  cost: NanoSum;
}

const TOP = 20;

/**
 * Sums stats from rollup rows and raw entries alike; integer nano-USD and µs
 * keep sums exact (costs in a NanoSum: a bigint past 2^53 nanos, ≈ 9M USD).
 */
export class StatsAccumulator {
  readonly outcomes = new Map<string, CountCost & { dur: number }>();
  readonly names = new Map<string, CountCost>();
  readonly agents = new Map<string, CountCost>();
  readonly durations = new Map<number, number>();

  addOutcome(outcome: string, n: number, cost: number | bigint, durationUs: number): void {
    const o = this.outcomes.get(outcome) ?? { n: 0, cost: new NanoSum(), dur: 0 };
    o.n += n;
    o.cost.add(cost);
    o.dur += durationUs;
    this.outcomes.set(outcome, o);
  }

  addName(name: string, n: number, cost: number | bigint): void {
    add(this.names, name, n, cost);
  }

  addAgent(agent: string, n: number, cost: number | bigint): void {
    add(this.agents, agent, n, cost);
  }

  addDurationBucket(bucket: number, n: number): void {
    this.durations.set(bucket, (this.durations.get(bucket) ?? 0) + n);
  }

  addEntry(outcome: string, name: string, agent: string | null, cost: number, durationMs: number): void {
    this.addOutcome(outcome, 1, cost, durationMicros(durationMs));
    this.addName(name, 1, cost);
    if (agent !== null) this.addAgent(agent, 1, cost);
    this.addDurationBucket(durationBucket(durationMs), 1);
  }

  result(): LedgerStats {
    let total = 0;
    const cost = new NanoSum();
    let dur = 0;
    for (const o of this.outcomes.values()) {
      total += o.n;
      cost.add(o.cost.value);
      dur += o.dur;
    }
    return {
      total_actions: total,
      total_cost_usd: cost.usd,
      success_count: this.outcomes.get('success')?.n ?? 0,
      error_count: this.outcomes.get('error')?.n ?? 0,
      blocked_count: this.outcomes.get('blocked')?.n ?? 0,
      average_duration_ms: total ? Math.round(dur / total) / 1000 : 0,
      unique_agents: countNonZero(this.agents),
      unique_action_types: countNonZero(this.names),
      p50_duration_ms: histogramPercentile(this.durations, 50),
      p95_duration_ms: histogramPercentile(this.durations, 95),
      percentiles_relative_error: Math.round(PERCENTILE_RELATIVE_ERROR * 1000) / 1000,
      top_actions: top(this.names).map(([name, c]) => ({ name, count: c.n, cost_usd: c.cost.usd })),
      top_agents: top(this.agents).map(([agent_id, c]) => ({ agent_id, count: c.n, cost_usd: c.cost.usd })),
    };
  }
}

function add(map: Map<string, CountCost>, key: string, n: number, cost: number | bigint): void {
  let c = map.get(key);
  if (!c) map.set(key, (c = { n: 0, cost: new NanoSum() }));
  c.n += n;
  c.cost.add(cost);
}

function countNonZero(map: Map<string, CountCost>): number {
  let k = 0;
  for (const c of map.values()) if (c.n > 0) k++;
  return k;
}

function top(map: Map<string, CountCost>): Array<[string, CountCost]> {
  return [...map.entries()]
    .filter(([, c]) => c.n > 0)
    .sort(([ka, a], [kb, b]) => compareNanos(b.cost.value, a.cost.value) || b.n - a.n || (ka < kb ? -1 : ka > kb ? 1 : 0))
    .slice(0, TOP);
}
