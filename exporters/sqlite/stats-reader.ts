import type { LedgerStats, StatsQuery } from '../store.js';
import type { Database } from './driver.js';
import { rollupsAnswer } from '../rollup-rule.js';
import { entryFieldSql, scopeSql } from './ledger-filter-sql.js';
import { ALL_TIME, HOUR_US } from './rollup-writer.js';
import { StatsAccumulator } from '../stats-accumulator.js';

/**
 * Whole hours come from the rollups, the partial hours at the edges of a range
 * from the entries themselves, so any range is exact. Filters the rollups do
 * not carry (an agent, a user's own runs, the entry-field filters) are
 * answered from the entries.
 */
export function queryStats(db: Database, q: StatsQuery): LedgerStats {
  const acc = new StatsAccumulator();
  addStats(db, acc, q);
  return acc.result();
}

/** Rollup rows by their query: the caller may keep them (a partition that has not changed answers the same). */
export type RollupRead = (sql: string, params: unknown[], read: () => any[][]) => any[][];

/** One partition's part of the stats, added to `acc` (sums, counts and buckets add up across partitions). */
export function addStats(db: Database, acc: StatsAccumulator, q: StatsQuery, cached: RollupRead = (_s, _p, read) => read()): void {
  if (!rollupsAnswer(q)) {
    addEntries(db, acc, q, q.start_us, q.end_us);
    return;
  }
  if (q.start_us === undefined && q.end_us === undefined) {
    addRollups(db, acc, q, ALL_TIME, ALL_TIME, cached);
    return;
  }
  // whole hours [firstHour, lastHour] inside the range; the rest are edges
  const firstHour = q.start_us === undefined ? 0 : Math.ceil(q.start_us / HOUR_US);
  const lastHour = q.end_us === undefined ? Number.MAX_SAFE_INTEGER : Math.floor((q.end_us + 1) / HOUR_US) - 1;
  if (firstHour > lastHour) {
    addEntries(db, acc, q, q.start_us, q.end_us);
    return;
  }
  addRollups(db, acc, q, firstHour, lastHour, cached);
  if (q.start_us !== undefined && q.start_us < firstHour * HOUR_US) addEntries(db, acc, q, q.start_us, firstHour * HOUR_US - 1);
  if (q.end_us !== undefined && q.end_us >= (lastHour + 1) * HOUR_US) addEntries(db, acc, q, (lastHour + 1) * HOUR_US, q.end_us);
}

function addRollups(db: Database, acc: StatsAccumulator, q: StatsQuery, fromHour: number, toHour: number, cached: RollupRead): void {
  const scope = scopeSql({ organization_id: q.scope.organization_id }, 'r');
  const where = `${scope.sql ? `${scope.sql} AND ` : ''}r.hour BETWEEN ? AND ?`;
  const params = [...scope.params, fromHour, toHour];
  // Sums of many hours may pass 2^53 nanos: read as bigints (safeIntegers), never rounded on the way.
  const rows = (sql: string) => cached(sql, params, () => sumRows(db, sql, params));
  for (const [outcome, n, cost, dur] of rows(
    `SELECT outcome, sum(n), sum(cost_nanos), sum(duration_us) FROM rollup_outcome r WHERE ${where} GROUP BY outcome`,
  )) {
    acc.addOutcome(outcome, Number(n), cost, Number(dur));
  }
  for (const [name, n, cost] of rows(`SELECT name, sum(n), sum(cost_nanos) FROM rollup_name r WHERE ${where} GROUP BY name`)) {
    acc.addName(name, Number(n), cost);
  }
  for (const [agent, n, cost] of rows(`SELECT agent_id, sum(n), sum(cost_nanos) FROM rollup_agent r WHERE ${where} GROUP BY agent_id`)) {
    acc.addAgent(agent, Number(n), cost);
  }
  for (const [bucket, n] of rows(`SELECT bucket, sum(n) FROM rollup_duration r WHERE ${where} GROUP BY bucket`)) {
    acc.addDurationBucket(Number(bucket), Number(n));
  }
}

function addEntries(db: Database, acc: StatsAccumulator, q: StatsQuery, startUs: number | undefined, endUs: number | undefined): void {
  const scope = scopeSql(q.scope);
  const parts = scope.sql ? [scope.sql] : [];
  const params = [...scope.params];
  if (q.agent_id !== undefined) {
    parts.push('e.agent_id = ?');
    params.push(q.agent_id);
  }
  const fields = entryFieldSql(q, db);
  if (fields.sql) {
    parts.push(fields.sql);
    params.push(...fields.params);
  }
  if (startUs !== undefined) {
    parts.push('e.ts_us >= ?');
    params.push(startUs);
  }
  if (endUs !== undefined) {
    parts.push('e.ts_us <= ?');
    params.push(endUs);
  }
  const stmt = db.prepare(
    `SELECT outcome, name, agent_id, cost_nanos, duration_ms FROM entries e WHERE ${parts.join(' AND ') || '1'}`,
  );
  for (const [outcome, name, agent, cost, dur] of stmt.raw().iterate(...params) as Iterable<any[]>) {
    acc.addEntry(outcome, name, agent, cost, dur);
  }
}

/**
 * SQLite's sum() of integers fails past 2^63 (≈ 9.2 billion USD of nanos);
 * stats then answer from total() (a double, no longer exact) rather than fail.
 */
function sumRows(db: Database, sql: string, params: unknown[]): any[][] {
  try {
    return db.prepare(sql).raw().safeIntegers().all(...params) as any[][];
  } catch (err) {
    if (!/integer overflow/i.test((err as Error).message)) throw err;
    return db.prepare(sql.replace(/\bsum\(/g, 'total(')).raw().all(...params) as any[][];
  }
}
