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
 * compacted. Returns how many entries
 * were read (0 once moved, and on a new ledger after its first start).
 * `chunk`: entries per transaction (tests stop a move between chunks).
 */
export function moveEntriesIntoPartitions(
  catalog: Database,
  writer: PartitionedWriter,
  fulltext: boolean,
  log: (msg: string) => void = () => undefined,
  chunk = CHUNK,
): number {
  const has = (table: string) => catalog.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(table) !== undefined;
  if (!has('entries')) return 0;
  const progress = catalog.prepare("SELECT value FROM ledger_meta WHERE key = 'partition_move'").pluck();
  const save = catalog.prepare("INSERT INTO ledger_meta (key, value) VALUES ('partition_move', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  const page = catalog.prepare('SELECT * FROM entries WHERE seq > ? ORDER BY seq LIMIT ?');
  const total = catalog.prepare('SELECT count(*) FROM entries').pluck().get() as number;
  let moved = 0;
  const moveFrom = (after: number) => {
    for (;;) {
      const rows = page.all(after, chunk) as StoredEntryRow[];
      if (rows.length === 0) return;
      writer.importRows(rows.map((r) => writeRowFromStored(r, fulltext)));
      after = rows[rows.length - 1].seq;
      save.run(String(after));
      moved += rows.length;
      if (moved % 500_000 < chunk) log(`moved ${moved} of ${total} entries into partitions`);
    }
  };
  // Only this move writes partitions until it ends, so they must hold every entry once before the
  // single file's are dropped. Fewer: commits lost after the progress was saved (a power cut with
  // synchronous NORMAL, a partition file gone); moving again from the start fills them in.
  const held = () => writer.files.list().reduce((n, p) => n + (writer.partition(p.name).db.prepare('SELECT count(*) FROM entries').pluck().get() as number), 0);
  moveFrom(Number(progress.get() ?? 0));
  if (held() !== total) {
    log('entries moved before are missing from the partitions: moving every entry again');
    moveFrom(0);
  }
  const inPartitions = held();
  if (inPartitions !== total) {
    throw new Error(`moving entries into partitions: ${inPartitions} there, ${total} in the single file; nothing is dropped`);
  }
  catalog.transaction(() => {
    const mark = catalog.prepare(`INSERT INTO ledger_partitions (name, applied_seq) VALUES (?, ?)
      ON CONFLICT (name) DO UPDATE SET applied_seq = excluded.applied_seq`);
    for (const p of writer.files.list()) mark.run(p.name, lastSeq(writer.partition(p.name).db));
    const triggers = catalog.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'entries'").pluck().all() as string[];
    for (const t of triggers) catalog.exec(`DROP TRIGGER "${t}"`);
    for (const table of SINGLE_FILE_TABLES) catalog.exec(`DROP TABLE IF EXISTS ${table}`);
    catalog.prepare("DELETE FROM ledger_meta WHERE key IN ('partition_move', 'fulltext')").run();
  }).immediate();
  catalog.exec('VACUUM');
  log(`moved ${moved} entries into partitions; the catalog keeps organizations, keys, agents, activity and runs`);
  return moved;
}
