import type { LedgerKeyset, LedgerPage, LedgerQuery, LedgerSortField, SortOrder } from '../store.js';
import { entryFromRow, type EntryRow } from './entry-row.js';
import type { SqlFragment } from './ledger-filter-sql.js';

const SORT_COLUMN = {
  timestamp: 'ts_us',
  cost: 'cost_nanos',
  duration: 'duration_ms',
  name: 'name',
} as const satisfies Record<LedgerSortField, keyof EntryRow>;

export function sortColumn(sortBy: LedgerSortField): keyof EntryRow {
  return SORT_COLUMN[sortBy];
}

/** ORDER BY over alias `e`: the sort column, then id, in the same direction (DESIGN.md: sorts break ties on id). */
export function ledgerOrder(sortBy: LedgerSortField, sortOrder: SortOrder): string {
  const dir = sortOrder === 'asc' ? 'ASC' : 'DESC';
  return `e.${SORT_COLUMN[sortBy]} ${dir}, e.id ${dir}`;
}

/**
 * The rows after `after` in ledgerOrder's order, as one row-value comparison
 * over the very columns the ORDER BY compares (the stored REAL for duration,
 * the BINARY name): a seek on the sort's index, never an OFFSET.
 */
export function keysetSql(sortBy: LedgerSortField, sortOrder: SortOrder, after: LedgerKeyset): SqlFragment {
  return { sql: `(e.${SORT_COLUMN[sortBy]}, e.id) ${sortOrder === 'asc' ? '>' : '<'} (?, ?)`, params: [after.key, after.id] };
}

/** A row's position in the sort: what keysetSql seeks past. */
export function keysetOf(row: EntryRow, sortBy: LedgerSortField): LedgerKeyset {
  return { key: row[SORT_COLUMN[sortBy]], id: row.id };
}

/** Where a query's page starts: at its keyset position (`after`, offset 0) or at page × page_size. */
export function pageOffset(query: LedgerQuery): number {
  return query.after ? 0 : query.page * query.page_size;
}

/** Up to page_size + 1 rows in sort order → the page, and its last row's position when the extra row says more follow. */
export function pageOf(rows: EntryRow[], query: LedgerQuery, count: number): LedgerPage {
  const more = rows.length > query.page_size;
  const kept = more ? rows.slice(0, query.page_size) : rows;
  return { data: kept.map(entryFromRow), count, next: more ? keysetOf(kept[kept.length - 1], query.sort_by) : null };
}
