import type { Database } from './driver.js';
import { debitRuns, deleteExpiredEntries, type RunDebit } from './expired-entries.js';
import { DAY_US } from './org-policy.js';
import type { Partition } from './partition-files.js';
import type { PartitionedWriter } from './partitioned-writer.js';
import { guarded } from './retention-sweeper.js';
import { ALL_TIME } from './rollup-writer.js';

export interface EntrySweep {
  entries: number;
  runs: number;
  /** Partitions deleted whole. */
  partitions: number;
}

/**
 * Retention of ledger entries, run by the partitions' one writer. A day
 * whose every organization's retention has passed its end is deleted whole
 * (its rows out of the catalog's runs by its run parts, then the file): the
 * cost is one day's runs, not its rows. A day that outlives one
 * organization's retention but not another's loses that organization's
 * expired rows a batch at a time, as a single file did. Organizations with
 * no retention of their own, or no organization row, use the default.
 */
export function sweepExpiredEntries(
  writer: PartitionedWriter,
  catalog: Database,
  options: { now_us: number; default_days: number; batch_size: number },
  progress?: (swept: EntrySweep, step: string) => void,
): EntrySweep {
  // rows a failed write left past the catalog's mark: credited before they can be debited
  writer.catchUpBehind();
  const report: EntrySweep = { entries: 0, runs: 0, partitions: 0 };
  const days = new Map(
    (catalog.prepare('SELECT id, retention_days FROM organizations').raw().all() as Array<[string, number | null]>).map(([id, d]) => [
      id,
      d ?? options.default_days,
    ]),
  );
  const cutoffOf = (org: string) => options.now_us - (days.get(org) ?? options.default_days) * DAY_US;
  const latestCutoff = Math.max(options.now_us - options.default_days * DAY_US, ...[...days.keys()].map(cutoffOf));
  for (const p of writer.files.list()) {
    if (p.start_us >= latestCutoff) break;
    writer.trim();
    const db = writer.partition(p.name).db;
    const orgs = db.prepare('SELECT DISTINCT organization_id FROM rollup_outcome WHERE hour = ? AND n > 0').pluck().all(ALL_TIME) as string[];
    if (orgs.every((org) => p.end_us <= cutoffOf(org))) {
      const gone = dropPartition(writer, catalog, p, db);
      report.entries += gone.entries;
      report.runs += gone.runs;
      report.partitions++;
      progress?.(report, `day ${p.name} deleted`);
      continue;
    }
    for (const org of orgs) {
      if (cutoffOf(org) <= p.start_us) continue;
      db.prepare('DELETE FROM log_messages WHERE organization_id = ? AND time_us < ?').run(org, cutoffOf(org));
      for (;;) {
        const removed = guarded(db, () => deleteExpiredEntries(db, org, cutoffOf(org), options.batch_size));
        report.entries += removed.entries;
        report.runs += catalog.transaction(() => debitRuns(catalog, 'runs', removed.runs)).immediate();
        progress?.(report, `day ${p.name}: organization ${org}`);
        if (removed.entries < options.batch_size) break;
      }
    }
  }
  return report;
}

/**
 * The catalog forgets the day first (its runs debited, its mark set to
 * `dropping`, one transaction), then the file goes; a crash between the two
 * is finished at the next start (finishDrops), never applied twice.
 */
function dropPartition(writer: PartitionedWriter, catalog: Database, p: Partition, db: Database): { entries: number; runs: number } {
  const entries = (db.prepare('SELECT coalesce(sum(n), 0) FROM rollup_outcome WHERE hour = ?').pluck().get(ALL_TIME) as number) ?? 0;
  const debits = db
    .prepare(`SELECT organization_id, run_id, user_id AS user, action_count AS n, cost_nanos AS cost, input_tokens AS input,
      output_tokens AS output, total_tokens AS total FROM run_parts`)
    .all() as RunDebit[];
  const runs = catalog.transaction(() => {
    const removed = debitRuns(catalog, 'runs', debits);
    catalog
      .prepare(`INSERT INTO ledger_partitions (name, applied_seq, state) VALUES (?, 0, 'dropping')
        ON CONFLICT (name) DO UPDATE SET state = 'dropping'`)
      .run(p.name);
    return removed;
  }).immediate();
  writer.closePartition(p.name);
  writer.files.remove(p.name);
  catalog.prepare('DELETE FROM ledger_partitions WHERE name = ?').run(p.name);
  return { entries, runs };
}

/** Deletes the files of drops a crash interrupted after the catalog had forgotten them. */
export function finishDrops(writer: PartitionedWriter, catalog: Database): void {
  for (const name of catalog.prepare("SELECT name FROM ledger_partitions WHERE state = 'dropping'").pluck().all() as string[]) {
    writer.closePartition(name);
    writer.files.remove(name);
    catalog.prepare('DELETE FROM ledger_partitions WHERE name = ?').run(name);
  }
}
