import type { LedgerPage, LedgerQuery, LedgerSortField } from '../store.js';
import type { Database } from './driver.js';
import { ENTRY_COLUMNS, ENTRY_FROM, entryFromRow, type EntryRow } from './entry-row.js';
import { ledgerWhere } from './ledger-filter-sql.js';

const SORT_COLUMN: Record<LedgerSortField, string> = {
  timestamp: 'e.ts_us',
  cost: 'e.cost_micros',
  duration: 'e.duration_ms',
  name: 'e.name',
};

export function queryLedger(db: Database, query: LedgerQuery): LedgerPage {
  const where = ledgerWhere(db, query);
  if (!where) return { data: [], count: 0 };
  const count = (db.prepare(`SELECT count(*) AS n FROM entries e WHERE ${where.sql}`).get(...where.params) as { n: number }).n;
  const offset = query.page * query.page_size;
  if (offset >= count) return { data: [], count };
  const dir = query.sort_order === 'asc' ? 'ASC' : 'DESC';
  const rows = db
    .prepare(
      `SELECT ${ENTRY_COLUMNS} FROM ${ENTRY_FROM} WHERE ${where.sql}
       ORDER BY ${SORT_COLUMN[query.sort_by]} ${dir}, e.id ${dir} LIMIT ? OFFSET ?`,
    )
    .all(...where.params, query.page_size, offset) as EntryRow[];
  return { data: rows.map(entryFromRow), count };
}
