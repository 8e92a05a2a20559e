import { setImmediate as nextTick } from 'node:timers/promises';
import type { SweepProgress, SweepReport } from '../agent-store.js';
import type { Database } from './driver.js';
import type { EntrySweep } from './partition-retention.js';
import { DAY_US } from './org-policy.js';

/**
 * Retention: the only deletion path. For each organization, everything older
 * than its retention is deleted: ledger entries by start time on the
 * partitions' writer (`sweepEntries`: partition-retention.ts), then here, in
 * the catalog, activity events and lifecycle events by their time, a batch per transaction so
 * ingest and readers never wait long, yielding to the event loop between
 * batches. A removed activity event leaves a tombstone with its place and
 * hash, so the chain still verifies from the oldest retained link.
 *
 * The store's triggers refuse deletes unless `retention_sweep.active` is 1;
 * each batch sets it and clears it inside its own transaction, so no other
 * connection ever sees it set, and a failed batch rolls it back.
 */
export async function sweepExpired(
  db: Database,
  defaultRetentionDays: number,
  nowUs: number,
  batchSize: number,
  sweepEntries: () => Promise<EntrySweep>,
  progress?: SweepProgress,
): Promise<SweepReport> {
  const entries = await sweepEntries();
  const report: SweepReport = { entries: entries.entries, activity_events: 0, lifecycle_events: 0, runs: entries.runs };
  progress?.(report, 'ledger entries');
  const orgs = db.prepare('SELECT id, retention_days FROM organizations ORDER BY id').all() as Array<{ id: string; retention_days: number | null }>;
  for (const org of orgs) {
    const cutoffUs = nowUs - (org.retention_days ?? defaultRetentionDays) * DAY_US;
    for (;;) {
      const n = guarded(db, () => tombstoneActivity(db, org.id, cutoffUs, nowUs, batchSize));
      report.activity_events += n;
      progress?.(report, `organization ${org.id}: activity`);
      if (n < batchSize) break;
      await nextTick();
    }
    for (;;) {
      const n = guarded(db, () =>
        db
          .prepare('DELETE FROM lifecycle_events WHERE seq IN (SELECT seq FROM lifecycle_events WHERE organization_id = ? AND ts_us < ? ORDER BY ts_us LIMIT ?)')
          .run(org.id, cutoffUs, batchSize).changes,
      );
      report.lifecycle_events += n;
      progress?.(report, `organization ${org.id}: lifecycle events`);
      if (n < batchSize) break;
      await nextTick();
    }
  }
  return report;
}

export function guarded<T>(db: Database, work: () => T): T {
  return db.transaction(() => {
    db.prepare('UPDATE retention_sweep SET active = 1 WHERE id = 1').run();
    const result = work();
    db.prepare('UPDATE retention_sweep SET active = 0 WHERE id = 1').run();
    return result;
  }).immediate();
}

/** Moves expired activity events to tombstones (place, times and hashes; no payload), oldest first. */
function tombstoneActivity(db: Database, organizationId: string, cutoffUs: number, nowUs: number, limit: number): number {
  const rows = db
    .prepare('SELECT seq, id, agent_id, sequence, created_us, prev_hash, hash FROM activity_events WHERE organization_id = ? AND created_us < ? ORDER BY created_us LIMIT ?')
    .all(organizationId, cutoffUs, limit) as Array<{ seq: number; id: string; agent_id: string; sequence: number; created_us: number; prev_hash: string; hash: string }>;
  const tomb = db.prepare(`INSERT INTO activity_tombstones (agent_id, sequence, id, organization_id, created_us, prev_hash, hash, swept_us)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const remove = db.prepare('DELETE FROM activity_events WHERE seq = ?');
  for (const r of rows) {
    tomb.run(r.agent_id, r.sequence, r.id, organizationId, r.created_us, r.prev_hash, r.hash, nowUs);
    remove.run(r.seq);
  }
  return rows.length;
}
