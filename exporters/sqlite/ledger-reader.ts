import type { LedgerEntry } from '../../model/ledger-entry.js';
import type { LedgerFilter, LedgerKeyset, LedgerPage, LedgerQuery } from '../store.js';
import type { Database } from './driver.js';
import { ENTRY_COLUMNS, ENTRY_FROM, entryFromRow, entryJsonFromRow, type EntryRow } from './entry-row.js';
import { exportLedgerFullText, pickFullText } from './fulltext-reader.js';
import { planFullText } from './fulltext-plan.js';
import { keysetExport } from './keyset-export.js';
import { ledgerWhere, type SqlFragment } from './ledger-filter-sql.js';
import { keysetSql, ledgerOrder, pageOf, pageOffset, sortColumn } from './ledger-order.js';
import { ALL_TIME, HOUR_US } from './rollup-writer.js';

/** Above this many matches a page is found faster by scanning in sort order than by sorting every match. */
const BROAD_MATCHES = 5000;

/** A page of one partition alone (its tools and benchmarks; the store pages over all of them: partitioned-reads.ts). */
export function queryLedger(db: Database, query: LedgerQuery): LedgerPage {
  const count = countLedger(db, query);
  return pageOf(ledgerRows(db, query, pageOffset(query), query.page_size + 1, count), query, count);
}

/** How many entries of one partition match (the query's sort and page aside). */
export function countLedger(db: Database, filter: LedgerFilter): number {
  if (filter.q) return planFullText(db, filter)?.count ?? 0;
  const where = ledgerWhere(db, filter);
  if (!where) return 0;
  return (
    rollupCount(db, filter) ??
    (db.prepare(`SELECT count(*) AS n FROM entries e WHERE ${where.sql}`).get(...where.params) as { n: number }).n
  );
}

/**
 * Matches `offset` to `offset + limit` of one partition in the query's order
 * (after `query.after` when set); `count` is countLedger's, which decides
 * how the rows are found. The page's rows are picked first (off an index
 * alone when it covers the sort), then read: a deep page never reads the
 * rows it skips.
 */
export function ledgerRows(db: Database, query: LedgerQuery, offset: number, limit: number, count: number): EntryRow[] {
  const pick = pickPage(db, query, offset, limit, count);
  if (!pick) return [];
  const order = ledgerOrder(query.sort_by, query.sort_order);
  return db.prepare(`SELECT ${ENTRY_COLUMNS} FROM ${ENTRY_FROM} WHERE e.seq IN (${pick.sql}) ORDER BY ${order}`).all(...pick.params) as EntryRow[];
}

/** A position in the sort and the row it belongs to: what a merge over partitions compares before it reads rows. */
export interface SortKey extends LedgerKeyset {
  seq: number;
}

/** ledgerRows' positions only, off the sort's index alone where it covers them: merging partitions reads whole rows for the winners alone. */
export function ledgerKeys(db: Database, query: LedgerQuery, offset: number, limit: number, count: number): SortKey[] {
  const columns = `e.seq, e.${sortColumn(query.sort_by)} AS key, e.id`;
  const pick = pickPage(db, query, offset, limit, count, columns);
  if (!pick) return [];
  if (!query.q) return db.prepare(pick.sql).all(...pick.params) as SortKey[];
  const order = ledgerOrder(query.sort_by, query.sort_order);
  return db.prepare(`SELECT ${columns} FROM entries e WHERE e.seq IN (${pick.sql}) ORDER BY ${order}`).all(...pick.params) as SortKey[];
}

/** Rows by seq, in the query's order. */
export function entriesBySeq(db: Database, seqs: readonly number[], query: Pick<LedgerQuery, 'sort_by' | 'sort_order'>): Array<EntryRow & { seq: number }> {
  if (seqs.length === 0) return [];
  return db
    .prepare(`SELECT e.seq, ${ENTRY_COLUMNS} FROM ${ENTRY_FROM} WHERE e.seq IN (SELECT value FROM json_each(?)) ORDER BY ${ledgerOrder(query.sort_by, query.sort_order)}`)
    .all(JSON.stringify(seqs)) as Array<EntryRow & { seq: number }>;
}

/** The seqs (or `columns`, without `q`) of matches `offset` to `offset + limit`, in the query's order. */
function pickPage(db: Database, query: LedgerQuery, offset: number, limit: number, count: number, columns = 'e.seq'): SqlFragment | null {
  if (offset >= count || limit <= 0) return null;
  if (query.q) return pickFullText(db, query, offset, limit);
  const where = ledgerWhere(db, query);
  if (!where) return null;
  const order = ledgerOrder(query.sort_by, query.sort_order);
  const seek = query.after ? keysetSql(query.sort_by, query.sort_order, query.after) : null;
  const and = seek ? ` AND ${seek.sql}` : '';
  // a page far smaller than the matches (a merge's chunk over a day) is also found faster in sort order
  if (count > BROAD_MATCHES || (query.sort_by !== 'timestamp' && (offset + limit) * 8 < count)) {
    // many matches: walk the sort's index (from the cursor's position) and stop after the page
    const broad = ledgerWhere(db, query, { broad: true, sortByCost: query.sort_by === 'cost' })!;
    return { sql: `SELECT ${columns} FROM entries e WHERE ${broad.sql}${and} ORDER BY ${order} LIMIT ? OFFSET ?`, params: [...broad.params, ...(seek?.params ?? []), limit, offset] };
  }
  // few matches: gather them through the filter's own index, then sort them
  return {
    sql: `SELECT ${columns} FROM entries e WHERE e.seq IN (SELECT e.seq FROM entries e WHERE ${where.sql})${and} ORDER BY ${order} LIMIT ? OFFSET ?`,
    params: [...where.params, ...(seek?.params ?? []), limit, offset],
  };
}

const ROLLUP_OF = {
  outcome: ['rollup_outcome', 'outcome'],
  action_name: ['rollup_name', 'name'],
  agent_id: ['rollup_agent', 'agent_id'],
} as const;

/**
 * The count of a query that filters by at most one of outcome, action name
 * and agent (and a time range), from the hourly rollups kept in the same
 * transactions as the rows (and by retention): whole hours from the
 * rollups, the partial hours at a range's edges from the rows. null for
 * anything else. Counting a month of rows took seconds at 10M entries.
 */
function rollupCount(db: Database, query: LedgerFilter & Partial<LedgerQuery>): number | null {
  const { scope, sort_by: _s, sort_order: _o, page: _p, page_size: _z, after: _a, start_us, end_us, outcome, action_name, agent_id, ...rest } = query;
  if (scope.user_id || Object.values(rest).some((v) => v !== undefined)) return null;
  const keyed = (Object.keys(ROLLUP_OF) as Array<keyof typeof ROLLUP_OF>).filter((k) => query[k] !== undefined);
  if (keyed.length > 1) return null;
  const [table, column] = keyed.length ? ROLLUP_OF[keyed[0]] : ROLLUP_OF.outcome;
  const where = [...(scope.organization_id === null ? [] : ['organization_id = ?']), ...(keyed.length ? [`${column} = ?`] : [])];
  const params: unknown[] = [...(scope.organization_id === null ? [] : [scope.organization_id]), ...(keyed.length ? [query[keyed[0]]] : [])];
  const sum = (hours: string, hourParams: unknown[]) =>
    db.prepare(`SELECT coalesce(sum(n), 0) FROM ${table} WHERE ${[...where, hours].join(' AND ')}`).pluck().get(...params, ...hourParams) as number;
  if (start_us === undefined && end_us === undefined) return sum('hour = ?', [ALL_TIME]);
  // whole hours [first, last] inside the range; the rest are edges
  const first = start_us === undefined ? -Number.MAX_SAFE_INTEGER : Math.ceil(start_us / HOUR_US);
  const last = end_us === undefined ? Number.MAX_SAFE_INTEGER : Math.floor((end_us + 1) / HOUR_US) - 1;
  if (first > last) return null;
  const edge = (from: number, to: number) => {
    const where = ledgerWhere(db, { ...query, start_us: from, end_us: to });
    return where ? (db.prepare(`SELECT count(*) FROM entries e WHERE ${where.sql}`).pluck().get(...where.params) as number) : 0;
  };
  let n = sum('hour BETWEEN ? AND ? AND hour <> ?', [first, last, ALL_TIME]);
  if (start_us !== undefined && start_us < first * HOUR_US) n += edge(start_us, first * HOUR_US - 1);
  if (end_us !== undefined && end_us >= (last + 1) * HOUR_US) n += edge((last + 1) * HOUR_US, end_us);
  return n;
}

/** Every match, newest first (then id), after `after` when given, at most `limit`, in chunks (keyset-export.ts). */
export async function* exportLedger(db: Database, filter: LedgerFilter, limit: number, after?: LedgerKeyset): AsyncGenerator<LedgerEntry[]> {
  if (filter.q) {
    yield* exportLedgerFullText(db, filter, limit, after);
    return;
  }
  const where = ledgerWhere(db, filter);
  if (where) yield* keysetExport(db, where, limit, after, entryFromRow);
}

/** exportLedger's entries as JSON text (Store.exportLedgerJson): the stored payloads spliced in, not parsed. */
export async function* exportLedgerJson(db: Database, filter: Omit<LedgerFilter, 'q'>, limit: number, after?: LedgerKeyset): AsyncGenerator<string[]> {
  const where = ledgerWhere(db, filter);
  if (where) yield* keysetExport(db, where, limit, after, entryJsonFromRow);
}
