import { durationBucket, durationMicros } from '../../model/duration-histogram.js';
import type { Database } from './driver.js';
import { ALL_TIME, HOUR_US } from './rollup-writer.js';
import type { ActionKind } from '../../model/ledger-entry.js';
import { countsInRun, runTokensOf } from '../../model/run-rollup.js';
import { runUserKey } from './run-rollup.js';

interface ExpiredRow {
  seq: number;
  organization_id: string;
  run_id: string;
  name: string;
  kind: ActionKind;
  outcome: string;
  cost_nanos: number;
  duration_ms: number;
  agent_id: string | null;
  user_id: string | null;
  ts_us: number;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
}

interface Delta {
  key: unknown[];
  n: number;
  cost: number;
  dur: number;
}

/**
 * Deletes up to `limit` of an organization's entries older than `cutoffUs`
 * (inside the sweep's transaction) and takes them out of everything kept at
 * write time from them: the stats rollups (their hour and the all-time row),
 * their run parts (a part whose last action goes is removed) and the
 * full-text index; the caller debits the catalog's runs with the returned
 * debits (debitRuns). Stats, runs and search then answer for the retained
 * ledger only. Agent counters and trust state are lifetime aggregates and
 * stay. Returns how many entries were removed and what their runs lose.
 */
export function deleteExpiredEntries(db: Database, organizationId: string, cutoffUs: number, limit: number): { entries: number; runs: RunDebit[] } {
  const rows = db
    .prepare(
      `SELECT seq, organization_id, run_id, name, kind, outcome, cost_nanos, duration_ms, agent_id, user_id, ts_us, input_tokens, output_tokens, total_tokens
       FROM entries WHERE organization_id = ? AND ts_us < ? ORDER BY ts_us LIMIT ?`,
    )
    .all(organizationId, cutoffUs, limit) as ExpiredRow[];
  if (rows.length === 0) return { entries: 0, runs: [] };

  const maps = { outcome: new Map<string, Delta>(), agent: new Map<string, Delta>(), name: new Map<string, Delta>(), duration: new Map<string, Delta>() };
  const runs = new Map<string, RunDebit>();
  for (const e of rows) {
    const hour = Math.floor(e.ts_us / HOUR_US);
    for (const h of [hour, ALL_TIME]) {
      bump(maps.outcome, [e.organization_id, h, e.outcome], e.cost_nanos, durationMicros(e.duration_ms));
      bump(maps.name, [e.organization_id, h, e.name], e.cost_nanos, 0);
      if (e.agent_id !== null) bump(maps.agent, [e.organization_id, h, e.agent_id], e.cost_nanos, 0);
      bump(maps.duration, [e.organization_id, h, durationBucket(e.duration_ms)], 0, 0);
    }
    // what the entry added to its run when it was written (run-rollup.ts), taken back
    if (!countsInRun(e.kind)) continue;
    const user = runUserKey(e.user_id);
    const key = `${e.run_id}\u0000${user}`;
    const run = runs.get(key) ?? { organization_id: organizationId, run_id: e.run_id, user, n: 0, cost: 0, input: 0, output: 0, total: 0 };
    const tokens = runTokensOf(e);
    run.n++;
    run.cost += e.cost_nanos;
    run.input += tokens.input_tokens;
    run.output += tokens.output_tokens;
    run.total += tokens.total_tokens;
    runs.set(key, run);
  }

  const deleteEntry = db.prepare('DELETE FROM entries WHERE seq = ?');
  const deleteFts = db.prepare('DELETE FROM entries_fts WHERE rowid = CAST(? AS INTEGER)');
  const deleteEntities = db.prepare('DELETE FROM entities WHERE seq = ?');
  for (const e of rows) {
    deleteEntry.run(e.seq);
    deleteFts.run(e.seq);
    deleteEntities.run(e.seq);
  }

  subtract(db, 'rollup_outcome', 'outcome', maps.outcome.values(), 'n = n - ?, cost_nanos = cost_nanos - ?, duration_us = duration_us - ?', (d) => [d.n, d.cost, d.dur]);
  subtract(db, 'rollup_name', 'name', maps.name.values(), 'n = n - ?, cost_nanos = cost_nanos - ?', (d) => [d.n, d.cost]);
  subtract(db, 'rollup_agent', 'agent_id', maps.agent.values(), 'n = n - ?, cost_nanos = cost_nanos - ?', (d) => [d.n, d.cost]);
  subtract(db, 'rollup_duration', 'bucket', maps.duration.values(), 'n = n - ?', (d) => [d.n]);

  debitRuns(db, 'run_parts', runs.values());
  return { entries: rows.length, runs: [...runs.values()] };
}

/** What leaving entries take out of one run: its count, cost and tokens. */
export interface RunDebit {
  organization_id: string;
  run_id: string;
  /** `runs.user_id` (run-rollup.ts NO_USER for none). */
  user: string;
  n: number;
  cost: number;
  input: number;
  output: number;
  total: number;
}

/** Takes debits out of runs (a partition's `run_parts` or the catalog's `runs`); a run left with no action goes. Returns how many went. */
export function debitRuns(db: Database, table: 'runs' | 'run_parts', debits: Iterable<RunDebit>): number {
  const updateRun = db.prepare(`UPDATE ${table} SET action_count = action_count - ?, cost_nanos = cost_nanos - ?, input_tokens = input_tokens - ?,
    output_tokens = output_tokens - ?, total_tokens = total_tokens - ? WHERE organization_id = ? AND run_id = ? AND user_id = ?`);
  const dropRun = db.prepare(`DELETE FROM ${table} WHERE organization_id = ? AND run_id = ? AND user_id = ? AND action_count <= 0`);
  let removed = 0;
  for (const r of debits) {
    updateRun.run(r.n, r.cost, r.input, r.output, r.total, r.organization_id, r.run_id, r.user);
    removed += dropRun.run(r.organization_id, r.run_id, r.user).changes;
  }
  return removed;
}

function bump(map: Map<string, Delta>, key: unknown[], cost: number, dur: number): void {
  const k = key.join('\u0000');
  const d = map.get(k);
  if (d) {
    d.n++;
    d.cost += cost;
    d.dur += dur;
  } else map.set(k, { key, n: 1, cost, dur });
}

function subtract(db: Database, table: string, keyColumn: string, deltas: Iterable<Delta>, set: string, values: (d: Delta) => number[]): void {
  const where = `organization_id = ? AND hour = ? AND ${keyColumn} = ?`;
  const update = db.prepare(`UPDATE ${table} SET ${set} WHERE ${where}`);
  const drop = db.prepare(`DELETE FROM ${table} WHERE ${where} AND n <= 0`);
  for (const d of deltas) {
    update.run(...values(d), ...d.key);
    drop.run(...d.key);
  }
}
