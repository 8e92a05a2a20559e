import type { LedgerFilter, QueryScope } from '../store.js';
import { UnsupportedQueryError } from '../store.js';
import type { Database } from './driver.js';
import { fulltextState } from './fulltext-index.js';
import { hasPrefix, matchExpression } from './fts-text.js';
import { ledgerWhere, type SqlFragment } from './ledger-filter-sql.js';

/**
 * How `q` combined with other filters is counted (the FTS5 pitfall: a MATCH
 * and an unrelated WHERE planned badly take minutes on millions of rows).
 * SQLite cannot estimate either side, so we count, cheapest first:
 *
 * - `q` alone: FTS5 counts by itself (the tenant scope is in the MATCH as
 *   tokens when the database holds other tenants' entries; fts-text.ts);
 * - few matches (≤ FEW_MATCHES): the matches are gathered and their rows
 *   looked up and filtered;
 * - else the other filters' rows are walked through their index and tested
 *   against the set of matches, built once and restricted to the rowids
 *   those rows span (a date range keeps it to that stretch of the index).
 *
 * Costs per row in µs, measured on the 1M-entry benchmark database (see
 * README): a match counted by FTS5, put in a set, a row looked up at random,
 * an index entry walked and tested against the set, one FTS5 probe for one
 * rowid. fulltext-reader.ts picks pages with them.
 */
export const COST = { set: 0.1, lookup: 5, walk: 0.4, probe: 40 } as const;
export const FEW_MATCHES = 20_000;

export const FTS_MATCHES = 'SELECT rowid AS seq FROM entries_fts WHERE entries_fts MATCH ?';
// CAST: better-sqlite3 binds JS numbers as REAL, and FTS5 ignores a REAL rowid bound.
const FTS_RANGE = `${FTS_MATCHES} AND rowid BETWEEN CAST(? AS INTEGER) AND CAST(? AS INTEGER)`;
/** A per-row test over alias `e`; its one parameter is the MATCH expression. */
export const FTS_PROBE = 'EXISTS (SELECT 1 FROM entries_fts WHERE entries_fts MATCH ? AND entries_fts.rowid = e.seq)';

export interface FullTextPlan {
  /** The MATCH expression without scope tokens (rows read carry their scope in `where`). */
  match: string;
  /** The other filters and the scope over alias `e`, written for index lookups. */
  where: SqlFragment;
  /** Entries matching the filters and `q`. */
  count: number;
  /** All matches of `q` when counted (few, or `q` alone): gathering them costs that many lookups. */
  matches: number | null;
  /** Rows the other filters cover (every row of the database when there are none). */
  base: number;
  /** The rowids those rows span, when the filters were walked. */
  range: [number, number] | null;
  /** Size of the set of matches within `range`. */
  setSize: number;
  /** Whether a probe (one FTS5 call per row) costs what COST.probe says: not with prefixes. */
  probeable: boolean;
}

/** The set of matches (within a rowid range), for `+e.seq IN (…)`: the `+` keeps SQLite from driving the query by it. */
export function matchSet(plan: Pick<FullTextPlan, 'match' | 'range'>): SqlFragment {
  return plan.range
    ? { sql: `+e.seq IN (${FTS_RANGE})`, params: [plan.match, ...plan.range] }
    : { sql: `+e.seq IN (${FTS_MATCHES})`, params: [plan.match] };
}

/** FROM … WHERE gathering the matches first, then their rows (CROSS JOIN keeps that order). */
export function matchesSource(plan: Pick<FullTextPlan, 'match' | 'where'>): SqlFragment {
  return {
    sql: `(${FTS_MATCHES}) m CROSS JOIN entries e ON e.seq = m.seq WHERE ${plan.where.sql}`,
    params: [plan.match, ...plan.where.params],
  };
}

/** Refuses `q` while the index is not whole (switched off, or not yet rebuilt). */
export function assertFullTextReady(db: Database): void {
  if (fulltextState(db) !== 'complete') {
    throw new UnsupportedQueryError(
      '`q`: full-text search is not available: the payload index is off (sqlite.fulltext: false), or is rebuilt when the writer next starts with it on',
    );
  }
}

function hasOtherFilters(f: LedgerFilter): boolean {
  return [f.outcome, f.action_name, f.agent_id, f.run_id, f.min_cost_nanos, f.max_cost_nanos, f.start_us, f.end_us, f.search, f.entity].some(
    (v) => v !== undefined,
  );
}

const countOf = (db: Database, sql: string, params: unknown[]) => (db.prepare(sql).get(...params) as { n: number }).n;

export function ftsCount(db: Database, match: string, cap?: number): number {
  return cap === undefined
    ? countOf(db, 'SELECT count(*) AS n FROM entries_fts WHERE entries_fts MATCH ?', [match])
    : countOf(db, 'SELECT count(*) AS n FROM (SELECT 1 FROM entries_fts WHERE entries_fts MATCH ? LIMIT ?)', [match, cap]);
}

/** Rows in the database at most: free to read (seq only grows). */
export function rowsUpperBound(db: Database): number {
  return countOf(db, 'SELECT coalesce(max(seq), 0) AS n FROM entries', []);
}

/** Scope tokens cost a second list to merge: leave them out when the scope is every entry there is anyway. */
function scopeForCount(db: Database, scope: QueryScope): QueryScope | null {
  if (scope.user_id || scope.organization_id === null) return scope;
  const orgs = db.prepare('SELECT organization_id FROM search_terms GROUP BY organization_id LIMIT 2').pluck().all() as string[];
  return orgs.length === 1 && orgs[0] === scope.organization_id ? null : scope;
}

/** null when nothing can match (a `search` term found nowhere). */
export function planFullText(db: Database, filter: LedgerFilter): FullTextPlan | null {
  assertFullTextReady(db);
  const match = matchExpression(filter.q!, null);
  const where = ledgerWhere(db, { ...filter, q: undefined });
  if (!where) return null;
  const probeable = !hasPrefix(filter.q!);

  if (!hasOtherFilters(filter)) {
    const count = ftsCount(db, matchExpression(filter.q!, scopeForCount(db, filter.scope)));
    return { match, where, count, matches: count, base: rowsUpperBound(db), range: null, setSize: count, probeable };
  }
  const few = ftsCount(db, match, FEW_MATCHES + 1);
  if (few <= FEW_MATCHES) {
    const source = matchesSource({ match, where });
    const count = countOf(db, `SELECT count(*) AS n FROM ${source.sql}`, source.params);
    return { match, where, count, matches: few, base: few, range: null, setSize: few, probeable };
  }
  const span = db.prepare(`SELECT count(*) AS n, min(e.seq) AS lo, max(e.seq) AS hi FROM entries e WHERE ${where.sql}`).get(...where.params) as {
    n: number;
    lo: number | null;
    hi: number | null;
  };
  if (span.n === 0) return { match, where, count: 0, matches: 0, base: 0, range: null, setSize: 0, probeable };
  const range: [number, number] = [span.lo!, span.hi!];
  const set = matchSet({ match, range });
  const count = countOf(db, `SELECT count(*) AS n FROM entries e WHERE ${where.sql} AND ${set.sql}`, [...where.params, ...set.params]);
  const setSize = countOf(db, `SELECT count(*) AS n FROM (${FTS_RANGE})`, [match, ...range]);
  return { match, where, count, matches: null, base: span.n, range, setSize, probeable };
}
