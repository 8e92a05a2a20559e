import type { TimeseriesQuery } from '../store.js';
import { TimeseriesAccumulator } from '../timeseries.js';
import type { Database } from './driver.js';
import { rollupsAnswer } from '../rollup-rule.js';
import { entryFieldSql, scopeSql } from './ledger-filter-sql.js';
import type { LedgerPartitions } from './partition-readers.js';
import { HOUR_US } from './rollup-writer.js';
import type { RollupRead } from './stats-reader.js';

/**
 * The time series over the partitions its range overlaps: whole hours from
 * the hourly rollups (`rollup_outcome`), the partial hours at the range's
 * edges from the entries, so every bucket is exact. Filters the rollups do
 * not key on (an agent, a user, the entry fields) read the entries, grouped
 * by hour in SQL.
 */
export function timeseriesOverPartitions(parts: LedgerPartitions, q: TimeseriesQuery) {
  const acc = new TimeseriesAccumulator(q);
  for (const db of parts.oldestFirst(q.start_us, q.end_us)) {
    addTimeseries(db, acc, q, (sql, params, read) => parts.cached(db, `timeseries ${sql} ${JSON.stringify(params)}`, read));
  }
  return acc.result();
}

function addTimeseries(db: Database, acc: TimeseriesAccumulator, q: TimeseriesQuery, cached: RollupRead): void {
  if (!rollupsAnswer(q)) {
    addEntries(db, acc, q, q.start_us, q.end_us);
    return;
  }
  const firstHour = Math.ceil(q.start_us / HOUR_US);
  const lastHour = Math.floor((q.end_us + 1) / HOUR_US) - 1;
  if (firstHour > lastHour) {
    addEntries(db, acc, q, q.start_us, q.end_us);
    return;
  }
  const scope = scopeSql({ organization_id: q.scope.organization_id }, 'r');
  const sql = `SELECT hour, outcome, sum(n), sum(cost_nanos) FROM rollup_outcome r WHERE ${scope.sql ? `${scope.sql} AND ` : ''}r.hour BETWEEN ? AND ? GROUP BY hour, outcome`;
  const params = [...scope.params, firstHour, lastHour];
  // sums as bigints (safeIntegers): many entries' nanos may pass 2^53
  for (const [hour, outcome, n, cost] of cached(sql, params, () => db.prepare(sql).raw().safeIntegers().all(...params) as any[][])) {
    acc.add(Number(hour) * HOUR_US, outcome, Number(n), cost);
  }
  if (q.start_us < firstHour * HOUR_US) addEntries(db, acc, q, q.start_us, firstHour * HOUR_US - 1);
  if (q.end_us >= (lastHour + 1) * HOUR_US) addEntries(db, acc, q, (lastHour + 1) * HOUR_US, q.end_us);
}

function addEntries(db: Database, acc: TimeseriesAccumulator, q: TimeseriesQuery, startUs: number, endUs: number): void {
  const scope = scopeSql(q.scope);
  const fields = entryFieldSql(q, db);
  const parts = [...(scope.sql ? [scope.sql] : []), ...(fields.sql ? [fields.sql] : []), 'e.ts_us >= ?', 'e.ts_us <= ?'];
  const params = [...scope.params, ...fields.params, startUs, endUs];
  if (q.agent_id !== undefined) {
    parts.push('e.agent_id = ?');
    params.push(q.agent_id);
  }
  const stmt = db.prepare(
    `SELECT e.ts_us / ${HOUR_US} AS hour, e.outcome, count(*), sum(e.cost_nanos) FROM entries e WHERE ${parts.join(' AND ')} GROUP BY hour, e.outcome`,
  );
  for (const [hour, outcome, n, cost] of stmt.raw().safeIntegers().all(...params) as any[][]) acc.add(Number(hour) * HOUR_US, outcome, Number(n), cost);
}
