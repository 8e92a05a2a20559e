import type { EntryRecord } from '../../model/ledger-entry.js';
import type { Database, Statement } from './driver.js';
import { entryFtsText } from './fts-text.js';

/**
 * Keeps `entries_fts` in step with `entries`: the writer indexes each entry
 * it actually inserted, in the same transaction (first write wins, so a
 * re-delivered span is never indexed twice).
 *
 * `ledger_meta.fulltext` says whether every entry is indexed: `complete`, or
 * `stale` when entries were written with the index switched off
 * (`sqlite.fulltext: false`) or before it existed. A writer that starts with
 * the index on rebuilds a stale one; until then `q` is refused rather than
 * answered from part of the ledger.
 */
export class FulltextIndexer {
  private readonly insert: Statement;
  private stateKnownStale = false;

  constructor(
    private readonly db: Database,
    readonly enabled: boolean,
  ) {
    // CAST: better-sqlite3 binds JS numbers as REAL, and FTS5 wants integer rowids.
    this.insert = db.prepare('INSERT INTO entries_fts (rowid, text) VALUES (CAST(? AS INTEGER), ?)');
    if (enabled && fulltextState(db) === 'stale') this.rebuild();
  }

  /** Call inside the write transaction, once per inserted entry, with its text (write-row.ts). */
  add(seq: number | bigint, text: string | null): void {
    if (this.enabled) {
      if (text === null) throw new Error('entry written without its full-text row while the payload index is on');
      this.insert.run(seq, text);
    } else if (!this.stateKnownStale) {
      this.db.prepare("UPDATE ledger_meta SET value = 'stale' WHERE key = 'fulltext'").run();
      this.stateKnownStale = true;
    }
  }

  /**
   * Indexes every entry again, in one transaction under the write lock, so
   * another process's writer can neither interleave nor rebuild twice.
   * Rows are read in pages to keep memory flat.
   */
  private rebuild(): void {
    const PAGE = 10_000;
    const page = this.db.prepare(
      'SELECT seq, organization_id, user_id, name, status_message, inputs, outputs FROM entries WHERE seq > ? ORDER BY seq LIMIT ?',
    );
    this.db.transaction(() => {
      if (fulltextState(this.db) !== 'stale') return;
      this.db.prepare("INSERT INTO entries_fts (entries_fts) VALUES ('delete-all')").run();
      for (let after = 0; ; ) {
        const rows = page.all(after, PAGE) as FtsSourceRow[];
        if (!rows.length) break;
        for (const row of rows) this.insert.run(row.seq, ftsTextOfRow(row));
        after = rows[rows.length - 1].seq;
      }
      this.db.prepare("UPDATE ledger_meta SET value = 'complete' WHERE key = 'fulltext'").run();
    }).immediate();
  }
}

/** The columns of a stored entry its full-text row is built from. */
export interface FtsSourceRow {
  seq: number;
  organization_id: string;
  user_id: string | null;
  name: string;
  status_message: string | null;
  inputs: string | null;
  outputs: string | null;
}

/** The fields entryFtsText reads, from a stored row. */
function recordOf(row: FtsSourceRow): EntryRecord {
  return {
    organization_id: row.organization_id,
    user_id: row.user_id,
    name: row.name,
    status_message: row.status_message,
    inputs: row.inputs === null ? null : JSON.parse(row.inputs),
    outputs: row.outputs === null ? null : JSON.parse(row.outputs),
  } as EntryRecord;
}

/** The full-text row of a stored entry (fts-text.ts), as the writer made it. */
export function ftsTextOfRow(row: FtsSourceRow): string {
  return entryFtsText(recordOf(row));
}

export function fulltextState(db: Database): 'complete' | 'stale' {
  const row = db.prepare("SELECT value FROM ledger_meta WHERE key = 'fulltext'").get() as { value: string } | undefined;
  return row?.value === 'complete' ? 'complete' : 'stale';
}
