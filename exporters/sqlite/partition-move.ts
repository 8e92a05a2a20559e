import type { Database } from './driver.js';
import { lastSeq, type PartitionedWriter } from './partitioned-writer.js';
import { writeRowFromStored, type StoredEntryRow } from './write-row.js';

const CHUNK = 10_000;
/** What the catalog kept of the single-file layout's entries, dropped once they are in partitions. */
const SINGLE_FILE_TABLES = ['entries_fts', 'entries', 'rollup_outcome', 'rollup_agent', 'rollup_name', 'rollup_duration', 'search_terms'];

/**
 * A ledger from before partitions kept its entries in the catalog file
 * itself. On start they move into their days' partitions through the same
 * writer as ingest (full text, rollups, run parts and terms rebuilt there),
 * a chunk per transaction; the catalog's runs and agents already count
 * them, so nothing is applied. Progress is kept in `ledger_meta`, and a
 * chunk written twice inserts nothing, so a stop midway resumes. Once the
 * partitions hold every entry, the old tables are dropped and the file
 * compacted.
 *
 * Writer processes sharing a data directory (workers) may start together:
 * each chunk and the end run under the catalog's write lock, reading the
 * progress there, so every chunk is moved by one of them, the first to find
 * none left finishes, and none writes anything else before the move is done
 * (each returns only once the old tables are gone).
 *
 * Returns how many entries this call moved (0 once moved, and on a new
 * ledger after its first start). `chunk`: entries per transaction (tests
 * stop a move between chunks).
 */
export function moveEntriesIntoPartitions(
  catalog: Database,
  writer: PartitionedWriter,
  fulltext: boolean,
  log: (msg: string) => void = () => undefined,
  chunk = CHUNK,
): number {
  const hasEntries = () => catalog.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'entries'").get() !== undefined;
  if (!hasEntries()) return 0;
  const save = (seq: number) =>
    catalog.prepare("INSERT INTO ledger_meta (key, value) VALUES ('partition_move', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(seq));
  let moved = 0;
  let movedAgain = false;
  let finished = false;
  const step = catalog.transaction((): boolean => {
    if (!hasEntries()) return false; // another process finished the move
    const after = Number(catalog.prepare("SELECT value FROM ledger_meta WHERE key = 'partition_move'").pluck().get() ?? 0);
    const rows = catalog.prepare('SELECT * FROM entries WHERE seq > ? ORDER BY seq LIMIT ?').all(after, chunk) as StoredEntryRow[];
    if (rows.length > 0) {
      writer.importRows(rows.map((r) => writeRowFromStored(r, fulltext)));
      save(rows[rows.length - 1].seq);
      moved += rows.length;
      if (moved % 500_000 < chunk) log(`moved ${moved} entries into partitions`);
      return true;
    }
    // Only the move writes partitions until it ends, so they must hold every entry once before the
    // single file's are dropped. Fewer: commits lost after the progress was saved (a power cut with
    // synchronous NORMAL, a partition file gone): moving again from the start fills them in.
    const total = catalog.prepare('SELECT count(*) FROM entries').pluck().get() as number;
    const held = writer.files.list().reduce((n, p) => n + (writer.partition(p.name).db.prepare('SELECT count(*) FROM entries').pluck().get() as number), 0);
    if (held !== total) {
      if (movedAgain) throw new Error(`moving entries into partitions: ${held} there, ${total} in the single file; nothing is dropped`);
      movedAgain = true;
      log('entries moved before are missing from the partitions: moving every entry again');
      save(0);
      return true;
    }
    const mark = catalog.prepare(`INSERT INTO ledger_partitions (name, applied_seq) VALUES (?, ?)
      ON CONFLICT (name) DO UPDATE SET applied_seq = excluded.applied_seq`);
    for (const p of writer.files.list()) mark.run(p.name, lastSeq(writer.partition(p.name).db));
    const triggers = catalog.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'entries'").pluck().all() as string[];
    for (const t of triggers) catalog.exec(`DROP TRIGGER "${t}"`);
    for (const table of SINGLE_FILE_TABLES) catalog.exec(`DROP TABLE IF EXISTS ${table}`);
    catalog.prepare("DELETE FROM ledger_meta WHERE key IN ('partition_move', 'fulltext')").run();
    finished = true;
    return false;
  });
  for (;;) {
    try {
      if (!step.immediate()) break;
    } catch (err) {
      // another process holds the lock longer than busy_timeout (its chunk): wait for it again
      if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
    }
  }
  if (!finished) return moved;
  try {
    catalog.exec('VACUUM');
  } catch (err) {
    // the move is done either way; the free pages are reused by the catalog's own writes
    log(`compacting the catalog after the move failed: ${(err as Error).message}`);
  }
  // a new ledger's first start finishes an empty move: nothing to tell
  if (moved > 0) log(`moved ${moved} entries into partitions; the catalog keeps organizations, keys, agents, activity and runs`);
  return moved;
}
