import { isoFromMicros } from '../../model/time.js';
import type { LedgerFilter, TimelineSummary } from '../store.js';
import type { Database } from './driver.js';
import { ledgerWhere, type SqlFragment } from './ledger-filter-sql.js';
import type { LedgerPartitions } from './partition-readers.js';

const DAY_US = 86_400_000_000;

/** One partition's matches grouped by agent and UTC day: [agent_id, day, count, first µs, last µs]. */
type Group = [string | null, number, number, number, number];

/**
 * A timeline's aggregates (store.ts TimelineSummary) over the days its range
 * overlaps. Each day is one GROUP BY over the filter's own index (for an
 * entity, its `entities` rows: partition-schema.ts), kept per day until the
 * day changes, so a past day is read once.
 */
export function timelineOverPartitions(parts: LedgerPartitions, filter: Omit<LedgerFilter, 'q'>): TimelineSummary {
  const agents = new Map<string | null, number>();
  const days = new Map<number, number>();
  let count = 0;
  let first: number | null = null;
  let last: number | null = null;
  const key = `timeline ${JSON.stringify(filter)}`;
  for (const db of parts.oldestFirst(filter.start_us, filter.end_us)) {
    for (const [agent, day, n, lo, hi] of parts.cached(db, key, () => groupsOf(db, filter))) {
      agents.set(agent, (agents.get(agent) ?? 0) + n);
      days.set(day, (days.get(day) ?? 0) + n);
      count += n;
      if (first === null || lo < first) first = lo;
      if (last === null || hi > last) last = hi;
    }
  }
  return {
    count,
    first_seen_us: first,
    last_seen_us: last,
    by_agent: [...agents]
      .map(([agent_id, n]) => ({ agent_id, count: n }))
      .sort((a, b) => b.count - a.count || compareAgents(a.agent_id, b.agent_id)),
    by_day: [...days].sort(([a], [b]) => a - b).map(([day, n]) => ({ day: isoFromMicros(day * DAY_US).slice(0, 10), count: n })),
  };
}

/** Agents by id, entries without an agent last. */
function compareAgents(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

function groupsOf(db: Database, filter: Omit<LedgerFilter, 'q'>): Group[] {
  const where: SqlFragment | null = ledgerWhere(db, filter);
  if (!where) return [];
  return db
    .prepare(
      `SELECT e.agent_id, (e.ts_us - (e.ts_us % ${DAY_US}) - (CASE WHEN e.ts_us % ${DAY_US} < 0 THEN ${DAY_US} ELSE 0 END)) / ${DAY_US} AS day,
        count(*), min(e.ts_us), max(e.ts_us) FROM entries e WHERE ${where.sql} GROUP BY 1, 2`,
    )
    .raw()
    .all(...where.params) as Group[];
}
