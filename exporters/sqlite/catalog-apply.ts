import { AgentIngest } from './agent-ingest.js';
import type { Database, Statement } from './driver.js';
import { RunRollupWriter } from './run-rollup.js';
import { writeRowFromStored, type StoredEntryRow, type WriteRow } from './write-row.js';

/**
 * What spans partitions, kept in the catalog from the rows the partitions
 * inserted: the runs across days (run-rollup.ts, the same upsert as a
 * partition's run parts) and the agents (registration, counters, trust).
 *
 * SQLite commits one file atomically, never two, so the catalog records per
 * partition the highest `seq` it has applied (`ledger_partitions`), in the
 * same transaction as the deltas. Rows a partition committed past that mark
 * (a crash, a failed catalog commit) are read back and applied before
 * anything newer: exactly once, whatever stopped in between.
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

  /** Applies inserted rows (in write order) and moves each partition's mark, in one transaction. */
  apply(rows: readonly WriteRow[], marks: ReadonlyMap<string, number>): void {
    this.db.transaction(() => {
      const runs = this.runs.begin();
      const agents = this.agents.begin();
      for (const e of rows) {
        runs.add(e);
        agents.add(e);
      }
      runs.flush();
      agents.flush();
      for (const [name, seq] of marks) this.writeMark.run(name, seq);
    }).immediate();
  }

  /** Applies a partition's rows past the catalog's mark, in chunks; returns how many. */
  catchUp(partition: string, db: Database): number {
    const CHUNK = 5000;
    const page = db.prepare('SELECT * FROM entries WHERE seq > ? ORDER BY seq LIMIT ?');
    let applied = 0;
    for (;;) {
      const rows = page.all(this.appliedSeq(partition), CHUNK) as StoredEntryRow[];
      if (rows.length === 0) return applied;
      this.apply(
        rows.map((r) => writeRowFromStored(r, false)),
        new Map([[partition, rows[rows.length - 1].seq]]),
      );
      applied += rows.length;
    }
  }

  /** Forgets a dropped partition's mark. */
  forget(partition: string): void {
    this.db.prepare('DELETE FROM ledger_partitions WHERE name = ?').run(partition);
  }
}
