import { AgentIngest } from './agent-ingest.js';
import type { Database, Statement } from './driver.js';
import { RunRollupWriter } from './run-rollup.js';
import type { InsertedRow } from './entry-writer.js';
import { writeRowFromStored, type StoredEntryRow, type WriteRow } from './write-row.js';

/**
 * What spans partitions, kept in the catalog from the rows the partitions
 * inserted: the runs across days (run-rollup.ts, the same upsert as a
 * partition's run parts) and the agents (registration, counters, trust).
 *
 * SQLite commits one file atomically, never two, so the catalog records per
 * partition the highest `seq` it has applied (`ledger_partitions`), in the
 * same transaction as the deltas. Rows a partition committed past that mark
 * (a crash, a failed catalog commit, another process's write in flight) are
 * read back and applied before anything newer: exactly once, whatever
 * stopped in between.
 */
export class CatalogApplier {
  private readonly runs: RunRollupWriter;
  private readonly agents: AgentIngest;
  private readonly readMark: Statement;
  private readonly writeMark: Statement;

  constructor(
    private readonly db: Database,
    settings: { trust_half_life_days: number; now: () => number },
  ) {
    this.runs = new RunRollupWriter(db);
    this.agents = new AgentIngest(db, settings);
    this.readMark = db.prepare('SELECT applied_seq FROM ledger_partitions WHERE name = ?').pluck();
    this.writeMark = db.prepare(`INSERT INTO ledger_partitions (name, applied_seq) VALUES (?, ?)
      ON CONFLICT (name) DO UPDATE SET applied_seq = max(applied_seq, excluded.applied_seq)`);
  }

  appliedSeq(partition: string): number {
    return (this.readMark.get(partition) as number | undefined) ?? 0;
  }

  /**
   * Applies what partitions inserted, in one transaction: for each, first
   * the rows between the catalog's mark and this write's (another writer's,
   * or a crashed one's), read back from the partition, then this write's
   * own rows past the mark, in write order. The mark is read under the
   * catalog's write lock, so writers in several processes each apply every
   * row once: a write's rows are applied by it, or by whichever writer next
   * catches up past them.
   */
  apply(writes: ReadonlyArray<{ partition: string; db: Database; rows: readonly InsertedRow[] }>, writeOrder: (row: WriteRow) => number = () => 0): void {
    this.db.transaction(() => {
      const runs = this.runs.begin();
      const agents = this.agents.begin();
      const marks = new Map<string, number>();
      for (const w of writes) {
        if (w.rows.length === 0) continue;
        const mark = this.appliedSeq(w.partition);
        marks.set(w.partition, mark);
        const first = w.rows[0].seq;
        if (mark < first - 1) for (const { row } of this.storedRows(w.db, mark, first - 1)) (runs.add(row), agents.add(row));
      }
      // in write order across partitions: the run rule's "first written wins" holds as in one file
      const own = writes.flatMap((w) => w.rows.filter(({ seq }) => seq > (marks.get(w.partition) ?? Infinity)).map(({ row }) => row));
      for (const row of own.sort((a, b) => writeOrder(a) - writeOrder(b))) (runs.add(row), agents.add(row));
      runs.flush();
      agents.flush();
      for (const w of writes) if (w.rows.length) this.writeMark.run(w.partition, w.rows[w.rows.length - 1].seq);
    }).immediate();
  }

  /** Applies a partition's rows past the catalog's mark (at start: what a crash left), a chunk per transaction; returns how many. */
  catchUp(partition: string, db: Database): number {
    const CHUNK = 5000;
    let applied = 0;
    for (;;) {
      const n = this.db.transaction(() => {
        const rows = this.storedRows(db, this.appliedSeq(partition), Infinity, CHUNK);
        if (rows.length === 0) return 0;
        const runs = this.runs.begin();
        const agents = this.agents.begin();
        for (const { row } of rows) (runs.add(row), agents.add(row));
        runs.flush();
        agents.flush();
        this.writeMark.run(partition, rows[rows.length - 1].seq);
        return rows.length;
      }).immediate();
      if (n === 0) return applied;
      applied += n;
    }
  }

  /** A partition's rows with seq in (after, upTo], oldest first. */
  private storedRows(db: Database, after: number, upTo: number, limit = -1): InsertedRow[] {
    const rows = db
      .prepare('SELECT * FROM entries WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?')
      .all(after, Number.isFinite(upTo) ? upTo : Number.MAX_SAFE_INTEGER, limit) as StoredEntryRow[];
    return rows.map((r) => ({ row: writeRowFromStored(r, false), seq: r.seq }));
  }
}
