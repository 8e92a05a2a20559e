import { storedDetails } from '../../collector/normalize/stored-details.js';
import { withDetails } from '../../model/entry-details.js';
import type { LedgerEntry, RunStatus } from '../../model/ledger-entry.js';
import type { RunTotals } from '../../model/run-rollup.js';
import type { QueryScope, RunDetail, RunPage, RunQuery, RunSortField, RunSummary, RunUser } from '../store.js';
import type { Database } from './driver.js';
import { runSummaryFrom } from '../run-summary.js';
import { ENTRY_COLUMNS, ENTRY_FROM, entryFromRow, type EntryRow } from './entry-row.js';
import { foldCase, scopeSql, type SqlFragment } from './ledger-filter-sql.js';
import { runUserKey, runUserOf } from './run-rollup.js';

const RUN_COLUMNS = `r.organization_id, r.run_id, r.agent_id, r.user_id, r.start_us, r.end_us, r.action_count, r.cost_nanos, r.root_count,
  r.root_error, r.root_name, r.root_span_id, r.prompt_name, r.input_tokens, r.output_tokens, r.total_tokens, r.model_config, r.tags`;

const STATUS_SQL: Record<RunStatus, string> = {
  running: 'r.root_count = 0',
  completed: 'r.root_count > 0 AND r.root_error = 0',
  failed: 'r.root_count > 0 AND r.root_error = 1',
};

const SORT_COLUMN: Record<RunSortField, string> = { timestamp: 'r.start_us', cost: 'r.cost_nanos' };

/** A `runs` row: the rollup as stored, model config and tags as JSON text, the user as run-rollup.ts keys it. */
interface RunRow extends Omit<RunTotals<string>, 'tags'> {
  organization_id: string;
  run_id: string;
  /** run-rollup.ts NO_USER for none. */
  user_id: string;
  tags: string;
}

function runFromRow(row: RunRow): RunSummary {
  return runSummaryFrom({ ...row, user_id: runUserOf(row.user_id), model_config: row.model_config === null ? null : JSON.parse(row.model_config), tags: JSON.parse(row.tags) });
}

/** `matching`: with `q.q`, the runs (alias `r`) with a matching action, found over the partitions by the caller; `few` when they are. */
export function listRuns(db: Database, q: RunQuery, matching: (SqlFragment & { few: boolean }) | null): RunPage {
  const scope = scopeSql(q.scope, 'r');
  const parts = scope.sql ? [scope.sql] : [];
  const params: unknown[] = [...scope.params];
  if (q.agent_id !== undefined) {
    parts.push('r.agent_id = ?');
    params.push(q.agent_id);
  }
  if (q.status !== undefined) parts.push(STATUS_SQL[q.status]);
  if (q.start_us !== undefined) {
    parts.push('r.start_us >= ?');
    params.push(q.start_us);
  }
  if (q.end_us !== undefined) {
    parts.push('r.start_us <= ?');
    params.push(q.end_us);
  }
  if (q.search !== undefined) {
    parts.push(`(instr(fold(coalesce(r.prompt_name, r.root_name)), ?) > 0 OR instr(fold(json_extract(r.model_config, '$.model')), ?) > 0)`);
    const needle = foldCase(q.search);
    params.push(needle, needle);
  }
  if (q.q !== undefined || q.query !== undefined) {
    if (!matching) throw new Error('runs matching q were not given');
    parts.push(matching.sql);
    params.push(...matching.params);
  }
  const where = parts.join(' AND ') || '1';
  const count = (db.prepare(`SELECT count(*) AS n FROM runs r WHERE ${where}`).get(...params) as { n: number }).n;
  const offset = q.page * q.page_size;
  if (offset >= count) return { data: [], count };
  const dir = q.sort_order === 'asc' ? 'ASC' : 'DESC';
  // few runs matching q are looked up by key and sorted (`+`: not by walking the sort's index testing each
  // run, measured 70 -> 2 ms for 14 matches over 72k runs; for most runs the walk stays faster)
  const rows = db
    .prepare(
      `SELECT ${RUN_COLUMNS} FROM runs r WHERE ${where}
       ORDER BY ${matching?.few ? '+' : ''}${SORT_COLUMN[q.sort_by]} ${dir}, r.run_id ${dir}, r.user_id ${dir}, r.organization_id ${dir} LIMIT ? OFFSET ?`,
    )
    .all(...params, q.page_size, offset) as RunRow[];
  return { data: rows.map(runFromRow), count };
}

/** What a run's actions are read by, in each partition its time range overlaps. */
export interface RunKey {
  organization_id: string;
  run_id: string;
  user_id: string | null;
  start_us: number;
  end_us: number;
}

/** A run's actions in one partition, oldest first (then id). */
/** A run's action with its details: the stored ones, else (rows written before them) read from its attributes. */
function actionFromRow(row: EntryRow & { details?: string | null }): LedgerEntry {
  const entry = entryFromRow(row);
  return withDetails(entry, storedDetails(row.details ? JSON.parse(row.details) : null, entry.attributes));
}

export function runActions(db: Database, run: RunKey): EntryRow[] {
  // the run's rows through the run index, then sorted: with statistics the planner would
  // otherwise walk the time index for the ORDER BY (measured 250 ms at 1M entries vs 3 ms)
  return db
    .prepare(
      `SELECT ${ENTRY_COLUMNS}, e.details FROM ${ENTRY_FROM} WHERE e.organization_id = ? AND e.run_id = ? AND e.user_id IS ?
       ORDER BY +e.ts_us ASC, e.id ASC`,
    )
    .all(run.organization_id, run.run_id, run.user_id) as EntryRow[];
}

/**
 * One user's run of this id: `user` names it (null: the run of spans with no
 * user); left out, the first of the scope's runs with this id by
 * organization, start, then user (no user first). `actions` reads its
 * actions (runActions over the partitions), oldest first.
 */
export function getRun(db: Database, scope: QueryScope, runId: string, user: RunUser | undefined, actions: (run: RunKey) => EntryRow[]): RunDetail | null {
  const runScope = scopeSql(scope, 'r');
  const parts = [...(runScope.sql ? [runScope.sql] : []), 'r.run_id = ?'];
  const params = [...runScope.params, runId];
  if (user !== undefined) {
    parts.push('r.user_id = ?');
    params.push(runUserKey(user));
  }
  const row = db
    .prepare(`SELECT ${RUN_COLUMNS} FROM runs r WHERE ${parts.join(' AND ')} ORDER BY r.organization_id, r.start_us, r.user_id LIMIT 1`)
    .get(...params) as RunRow | undefined;
  if (!row) return null;
  const rows = actions({ organization_id: row.organization_id, run_id: runId, user_id: runUserOf(row.user_id), start_us: row.start_us, end_us: row.end_us });
  return { run: runFromRow(row), actions: rows.map(actionFromRow) };
}
