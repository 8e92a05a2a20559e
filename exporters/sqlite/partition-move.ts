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
 * chunk written twice inserts nothing, so a stop midway resumes. Then the
 * old tables are dropped and the file compacted. Returns how many entries
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
  let after = Number(progress.get() ?? 0);
  let moved = 0;
  for (;;) {
    const rows = page.all(after, chunk) as StoredEntryRow[];
    if (rows.length === 0) break;
    writer.importRows(rows.map((r) => writeRowFromStored(r, fulltext)));
    after = rows[rows.length - 1].seq;
    save.run(String(after));
    moved += rows.length;
    if (moved % 500_000 < chunk) log(`moved ${moved} of ${total} entries into partitions`);
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
