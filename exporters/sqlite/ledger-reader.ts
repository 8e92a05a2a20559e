import type { LedgerEntry } from '../../model/ledger-entry.js';
import type { LedgerFilter, LedgerPage, LedgerQuery, LedgerSortField } from '../store.js';
import type { Database } from './driver.js';
import { ENTRY_COLUMNS, ENTRY_FROM, entryFromRow, type EntryRow } from './entry-row.js';
import { ledgerWhere } from './ledger-filter-sql.js';

const SORT_COLUMN: Record<LedgerSortField, string> = {
  timestamp: 'e.ts_us',
  cost: 'e.cost_micros',
  duration: 'e.duration_ms',
  name: 'e.name',
};

/** Above this many matches a page is found faster by scanning in sort order than by sorting every match. */
const BROAD_MATCHES = 5000;

export function queryLedger(db: Database, query: LedgerQuery): LedgerPage {
  const where = ledgerWhere(db, query);
  if (!where) return { data: [], count: 0 };
  const count = (db.prepare(`SELECT count(*) AS n FROM entries e WHERE ${where.sql}`).get(...where.params) as { n: number }).n;
  const offset = query.page * query.page_size;
  if (offset >= count) return { data: [], count };
  const dir = query.sort_order === 'asc' ? 'ASC' : 'DESC';
  const order = `${SORT_COLUMN[query.sort_by]} ${dir}, e.id ${dir}`;
  let pick: string;
  let params: unknown[];
  if (count > BROAD_MATCHES) {
    // many matches: walk the sort's index and stop after the page
    const broad = ledgerWhere(db, query, { broad: true, sortByCost: query.sort_by === 'cost' })!;
    pick = `SELECT e.seq FROM entries e WHERE ${broad.sql} ORDER BY ${order} LIMIT ? OFFSET ?`;
    params = broad.params;
  } else {
    // few matches: gather them through the filter's own index, then sort them
    pick = `SELECT e.seq FROM entries e WHERE e.seq IN (SELECT e.seq FROM entries e WHERE ${where.sql}) ORDER BY ${order} LIMIT ? OFFSET ?`;
    params = where.params;
  }
  // The page's rows are picked first (off an index alone when it covers the
  // sort), then read: a deep page never reads the rows it skips.
  const rows = db
    .prepare(`SELECT ${ENTRY_COLUMNS} FROM ${ENTRY_FROM} WHERE e.seq IN (${pick}) ORDER BY ${order}`)
    .all(...params, query.page_size, offset) as EntryRow[];
  return { data: rows.map(entryFromRow), count };
}

const EXPORT_CHUNK = 1000;

/**
 * Keyset pages on (timestamp, id) rather than one long cursor: a
 * better-sqlite3 connection is busy while an iterator is open, and other
 * requests must keep being answered between chunks.
 */
export async function* exportLedger(db: Database, filter: LedgerFilter, limit: number): AsyncGenerator<LedgerEntry> {
  const where = ledgerWhere(db, filter);
  if (!where) return;
  const first = db.prepare(
    `SELECT ${ENTRY_COLUMNS} FROM ${ENTRY_FROM} WHERE ${where.sql} ORDER BY e.ts_us DESC, e.id DESC LIMIT ?`,
  );
  const next = db.prepare(
    `SELECT ${ENTRY_COLUMNS} FROM ${ENTRY_FROM} WHERE ${where.sql} AND (e.ts_us, e.id) < (?, ?)
     ORDER BY e.ts_us DESC, e.id DESC LIMIT ?`,
  );
  let remaining = limit;
  let last: EntryRow | undefined;
  while (remaining > 0) {
    const size = Math.min(EXPORT_CHUNK, remaining);
    const rows = (last ? next.all(...where.params, last.ts_us, last.id, size) : first.all(...where.params, size)) as EntryRow[];
    for (const row of rows) yield entryFromRow(row);
    remaining -= rows.length;
    if (rows.length < size) return;
    last = rows[rows.length - 1];
    await new Promise((resolve) => setImmediate(resolve));
  }
}
