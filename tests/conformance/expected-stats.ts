import type { EntryRecord } from '../../model/ledger-entry.js';
import type { CountAndCost, LedgerStats, StatsQuery } from '../../exporters/store.js';
import { usdOf } from '../helpers/usd.js';
import { inScope, matchesEntryFields } from './expected-ledger.js';

/**
 * Stats as the contract states them: counts and sums exact (costs and
 * durations summed as integers: nano-USD, as bigints, and µs), top 20 by cost, then
 * count, then key; percentiles checked separately against the exact
 * nearest-rank value, within the error the store itself declares.
 */
export type ExactStats = Omit<LedgerStats, 'p50_duration_ms' | 'p95_duration_ms' | 'percentiles_relative_error'>;

export interface ExpectedStats {
  exact: ExactStats;
  /** Exact nearest-rank percentiles of the matching durations; null when nothing matches. */
  p50: number | null;
  p95: number | null;
}

const TOP = 20;

function top<K extends string>(groups: Map<string, { n: number; cost: bigint }>, key: K): Array<CountAndCost & Record<K, string>> {
  return [...groups]
    .sort(([ka, a], [kb, b]) => (b.cost > a.cost ? 1 : b.cost < a.cost ? -1 : 0) || b.n - a.n || (ka < kb ? -1 : ka > kb ? 1 : 0))
    .slice(0, TOP)
    .map(([k, g]) => ({ [key]: k, count: g.n, cost_usd: usdOf(g.cost) }) as CountAndCost & Record<K, string>);
}

function nearestRank(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1];
}

export function expectedStats(entries: readonly EntryRecord[], q: StatsQuery): ExpectedStats {
  const matches = entries.filter(
    (e) =>
      inScope(e, q.scope) &&
      (q.agent_id === undefined || e.agent_id === q.agent_id) &&
      (q.start_us === undefined || e.start_us >= q.start_us) &&
      (q.end_us === undefined || e.start_us <= q.end_us) &&
      matchesEntryFields(e, q),
  );
  const names = new Map<string, { n: number; cost: bigint }>();
  const agents = new Map<string, { n: number; cost: bigint }>();
  const bump = (m: Map<string, { n: number; cost: bigint }>, k: string, cost: number) => {
    const g = m.get(k) ?? { n: 0, cost: 0n };
    g.n++;
    g.cost += BigInt(cost);
    m.set(k, g);
  };
  let cost = 0n;
  let durationUs = 0;
  for (const e of matches) {
    cost += BigInt(e.cost_nanos);
    durationUs += Math.round(e.duration_ms * 1000);
    bump(names, e.name, e.cost_nanos);
    if (e.agent_id !== null) bump(agents, e.agent_id, e.cost_nanos);
  }
  const count = (o: string) => matches.filter((e) => e.outcome === o).length;
  const durations = matches.map((e) => e.duration_ms).sort((a, b) => a - b);
  return {
    exact: {
      total_actions: matches.length,
      total_cost_usd: usdOf(cost),
      success_count: count('success'),
      error_count: count('error'),
      blocked_count: count('blocked'),
      average_duration_ms: matches.length ? Math.round(durationUs / matches.length) / 1000 : 0,
      unique_agents: agents.size,
      unique_action_types: names.size,
      top_actions: top(names, 'name'),
      top_agents: top(agents, 'agent_id'),
    },
    p50: nearestRank(durations, 50),
    p95: nearestRank(durations, 95),
  };
}

/** Whether a store's percentile is the exact one within its declared relative error (plus the µs it is rounded to). */
export function withinError(actual: number | null, exact: number | null, relativeError: number): boolean {
  if (exact === null || actual === null) return actual === exact;
  return Math.abs(actual - exact) <= exact * relativeError + 0.0005;
}
