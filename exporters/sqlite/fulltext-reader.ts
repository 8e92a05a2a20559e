import type { LedgerEntry } from '../../model/ledger-entry.js';
import type { SearchQuery } from '../../model/search-query.js';
import type { LedgerFilter, LedgerKeyset, LedgerQuery, LedgerSortField, QueryScope, SortOrder } from '../store.js';
import type { Database } from './driver.js';
import {
  assertFullTextReady,
  COST,
  FEW_MATCHES,
  FTS_MATCHES,
  FTS_PROBE,
  ftsCount,
  matchesSource,
  matchSet,
  planFullText,
  type FullTextPlan,
} from './fulltext-plan.js';
import { matchExpression } from './fts-text.js';
import { exportBySeq } from './keyset-export.js';
import { ledgerWhere, type SqlFragment } from './ledger-filter-sql.js';
import { keysetSql, ledgerOrder } from './ledger-order.js';

/** Above this many matches the filters are written for a walk in sort order (ledger-filter-sql.ts `broad`). */
const BROAD_MATCHES = 5000;

/**
 * The seqs of matches `offset` to `offset + limit` in the given order, by
 * the cheapest of (costs from fulltext-plan.ts):
 * - gather: few matches, looked up and sorted;
 * - probe: walk the sort's index, testing each row against FTS5 alone —
 *   cheapest when matches are dense and the page is near the start;
 * - set: walk the same way, testing each row against the set of matches
 *   built once — deep pages, sparser matches, prefixes.
 */
function pickSeqs(
  db: Database,
  filter: LedgerFilter,
  plan: FullTextPlan,
  sortBy: LedgerSortField,
  sortOrder: SortOrder,
  limit: number,
  offset: number,
  after?: LedgerKeyset,
): SqlFragment {
  const order = ledgerOrder(sortBy, sortOrder);
  const seek = after ? keysetSql(sortBy, sortOrder, after) : { sql: '1', params: [] };
  const walked = Math.min(plan.base, ((offset + limit) * plan.base) / Math.max(plan.count, 1));
  const gatherCost = plan.matches === null ? Infinity : plan.matches * COST.lookup;
  const probeCost = plan.probeable ? walked * COST.probe : Infinity;
  const setCost = plan.setSize * COST.set + walked * COST.walk;
  if (gatherCost <= Math.min(probeCost, setCost)) {
    const source = matchesSource(plan);
    return {
      sql: `SELECT e.seq FROM ${source.sql} AND ${seek.sql} ORDER BY ${order} LIMIT ? OFFSET ?`,
      params: [...source.params, ...seek.params, limit, offset],
    };
  }
  const where =
    plan.count > BROAD_MATCHES ? ledgerWhere(db, { ...filter, q: undefined }, { broad: true, sortByCost: sortBy === 'cost' })! : plan.where;
  const test = probeCost < setCost ? { sql: FTS_PROBE, params: [plan.match] } : matchSet(plan);
  return {
    sql: `SELECT e.seq FROM entries e WHERE ${where.sql} AND ${test.sql} AND ${seek.sql} ORDER BY ${order} LIMIT ? OFFSET ?`,
    params: [...where.params, ...test.params, ...seek.params, limit, offset],
  };
}

/** ledger-reader.ts pickPage for a query with `q`: the seqs of its matches `offset` to `offset + limit`, or null for none. */
export function pickFullText(db: Database, query: LedgerQuery, offset: number, limit: number): SqlFragment | null {
  const plan = planFullText(db, query);
  if (!plan || offset >= plan.count) return null;
  return pickSeqs(db, query, plan, query.sort_by, query.sort_order, limit, offset, query.after);
}

/** Newest first, at most `limit`: the order is settled in one query (≤ limit seqs in memory), then rows are read in chunks. */
export async function* exportLedgerFullText(db: Database, filter: LedgerFilter, limit: number, after?: LedgerKeyset): AsyncGenerator<LedgerEntry[]> {
  const plan = planFullText(db, filter);
  if (!plan || plan.count === 0) return;
  const pick = pickSeqs(db, filter, plan, 'timestamp', 'desc', limit, 0, after);
  yield* exportBySeq(db, db.prepare(pick.sql).pluck().all(...pick.params) as number[]);
}

/**
 * The runs (organization, run, `runs.user_id`) of one partition's actions
 * matching `q` within the scope. A run's actions are its user's only
 * (run-rollup.ts): another user's words in the same trace never match it.
 */
export function runsMatching(db: Database, q: SearchQuery, scope: QueryScope): Array<[string, string, string]> {
  assertFullTextReady(db);
  return db
    .prepare(`SELECT DISTINCT e.organization_id, e.run_id, coalesce(e.user_id, '') FROM (${FTS_MATCHES}) m CROSS JOIN entries e ON e.seq = m.seq`)
    .raw()
    .all(matchExpression(q, scope)) as Array<[string, string, string]>;
}
