import type { LedgerEntry } from '../../model/ledger-entry.js';
import type { Database } from './driver.js';
import { ENTRY_COLUMNS, ENTRY_FROM, entryFromRow, type EntryRow } from './entry-row.js';
import type { SqlFragment } from './ledger-filter-sql.js';

const EXPORT_CHUNK = 1000;

/**
 * Every row matching `where` (over alias `e`), newest first (then id), at
 * most `limit`. Keyset pages on (timestamp, id) rather than one long cursor:
 * a better-sqlite3 connection is busy while an iterator is open, and other
 * requests must keep being answered between chunks.
 */
export function keysetExport(db: Database, where: SqlFragment, limit: number): AsyncGenerator<LedgerEntry>;
export function keysetExport<T>(db: Database, where: SqlFragment, limit: number, map: (row: EntryRow) => T): AsyncGenerator<T>;
export async function* keysetExport<T>(
  db: Database,
  where: SqlFragment,
  limit: number,
  map: (row: EntryRow) => T = entryFromRow as (row: EntryRow) => T,
): AsyncGenerator<T> {
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
    for (const row of rows) yield map(row);
    remaining -= rows.length;
    if (rows.length < size) return;
    last = rows[rows.length - 1];
    await yieldToEventLoop();
  }
}

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Rows by seq, in the order given, in chunks: for exports whose order was settled beforehand. */
export async function* exportBySeq(db: Database, seqs: readonly number[]): AsyncGenerator<LedgerEntry> {
  const read = db.prepare(`SELECT e.seq, ${ENTRY_COLUMNS} FROM ${ENTRY_FROM} WHERE e.seq IN (SELECT value FROM json_each(?))`);
  for (let i = 0; i < seqs.length; i += EXPORT_CHUNK) {
    const chunk = seqs.slice(i, i + EXPORT_CHUNK);
    const bySeq = new Map((read.all(JSON.stringify(chunk)) as Array<EntryRow & { seq: number }>).map((r) => [r.seq, r]));
    for (const seq of chunk) {
      const row = bySeq.get(seq);
      if (row) yield entryFromRow(row);
    }
    await yieldToEventLoop();
  }
}
