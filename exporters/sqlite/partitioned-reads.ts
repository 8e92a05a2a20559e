import type { LedgerEntry } from '../../model/ledger-entry.js';
import { runsMatchingQuery } from './query-language-sql.js';
import { StatsAccumulator } from '../stats-accumulator.js';
import type { LedgerFilter, LedgerKeyset, LedgerPage, LedgerQuery, LedgerStats, QueryScope, RunDetail, RunPage, RunQuery, RunUser, StatsQuery } from '../store.js';
import type { Database } from './driver.js';
import type { EntryRow } from './entry-row.js';
import { assertFullTextReady } from './fulltext-plan.js';
import { runsMatching } from './fulltext-reader.js';
import { countLedger, exportLedger, exportLedgerJson, ledgerRows } from './ledger-reader.js';
import { pageOf, pageOffset } from './ledger-order.js';
import { mergePage } from './partition-merge.js';
import type { Partition } from './partition-files.js';
import type { LedgerPartitions } from './partition-readers.js';
import { getRun, listRuns, runActions } from './runs-reader.js';
import { addStats } from './stats-reader.js';

/**
 * Reads over the partitions (partition-files.ts): each query visits only the
 * days its time range overlaps. Counts are the partitions' counts added up;
 * a page by time walks the days in the sort's direction, skipping whole
 * days by their counts and stopping once the page is full; a page by cost,
 * duration or name merges each day's best rows (the sort is total: value,
 * then id).
 */

export function queryPartitions(parts: LedgerPartitions, query: LedgerQuery): LedgerPage {
  const candidates = parts.overlapping(query.start_us, query.end_us);
  // held for the query: a fan-out over more days than connections kept would otherwise close its first ones
  const releases = candidates.map((p) => parts.hold(p.db));
  try {
    return pagePartitions(parts, candidates, query);
  } finally {
    for (const release of releases) release();
  }
}

function pagePartitions(parts: LedgerPartitions, candidates: ReadonlyArray<Partition & { db: Database }>, query: LedgerQuery): LedgerPage {
  if (query.q) for (const p of candidates) assertFullTextReady(p.db);
  const { sort_by: _s, sort_order: _o, page: _p, page_size: _z, after: _a, ...filter } = query;
  const key = JSON.stringify(filter);
  const counted = candidates
    .map((p) => ({ ...p, count: parts.cached(p.db, `count ${key}`, () => countLedger(p.db, filter)) }))
    .filter((p) => p.count > 0);
  const count = counted.reduce((n, p) => n + p.count, 0);
  const offset = pageOffset(query);
  const want = query.page_size + 1;
  if (offset >= count) return { data: [], count, next: null };
  let rows: EntryRow[];
  if (query.sort_by === 'timestamp') {
    // days never overlap: the days in the sort's order, each in order, are the ledger in order
    if (query.sort_order === 'desc') counted.reverse();
    rows = [];
    let skip = offset;
    const after = query.after;
    for (const p of counted) {
      if (!after && skip >= p.count) {
        skip -= p.count;
        continue;
      }
      // a cursor's page starts in its own day: the days before it in the sort hold nothing after it
      if (after && (query.sort_order === 'desc' ? p.start_us > Number(after.key) : p.end_us <= Number(after.key))) continue;
      rows.push(...ledgerRows(p.db, query, skip, want - rows.length, p.count));
      skip = 0;
      if (rows.length >= want) break;
    }
  } else {
    rows = mergePage(counted, query, offset, want);
  }
  return pageOf(rows, query, count);
}

/**
 * Every match newest first, day by day, at most `limit`, in chunks. A day's
 * connection is held while its chunks stream (retention may drop the day
 * meanwhile: the export reads it as it was); a day dropped before the
 * export reaches it is skipped.
 */
export async function* exportPartitions(parts: LedgerPartitions, filter: LedgerFilter, limit: number, after?: LedgerKeyset): AsyncGenerator<LedgerEntry[]> {
  yield* exportDays(parts, filter, limit, (db, remaining) => exportLedger(db, filter, remaining, after));
}

export async function* exportPartitionsJson(parts: LedgerPartitions, filter: Omit<LedgerFilter, 'q'>, limit: number, after?: LedgerKeyset): AsyncGenerator<string[]> {
  yield* exportDays(parts, filter, limit, (db, remaining) => exportLedgerJson(db, filter, remaining, after));
}

async function* exportDays<T>(
  parts: LedgerPartitions,
  range: { start_us?: number; end_us?: number },
  limit: number,
  day: (db: Database, remaining: number) => AsyncGenerator<T[]>,
): AsyncGenerator<T[]> {
  let remaining = limit;
  for (const db of parts.newestFirst(range.start_us, range.end_us)) {
    const release = parts.hold(db);
    try {
      for await (const chunk of day(db, remaining)) {
        const taken = chunk.length > remaining ? chunk.slice(0, remaining) : chunk;
        yield taken;
        remaining -= taken.length;
        if (remaining === 0) return;
      }
    } finally {
      release();
    }
  }
}

/** Refused before an export's response starts, rather than from inside the stream. */
export function assertPartitionsSearchable(parts: LedgerPartitions, filter: LedgerFilter): void {
  for (const db of parts.newestFirst(filter.start_us, filter.end_us)) assertFullTextReady(db);
}

export function statsOverPartitions(parts: LedgerPartitions, q: StatsQuery): LedgerStats {
  const acc = new StatsAccumulator();
  for (const db of parts.oldestFirst(q.start_us, q.end_us)) addStats(db, acc, q, (sql, params, read) => parts.cached(db, `stats ${sql} ${JSON.stringify(params)}`, read));
  return acc.result();
}

/** Up to this many runs matching `q` are looked up by key and sorted; more are found walking the sort's index. */
const FEW_RUNS = 5000;

/**
 * Runs from the catalog; with `q`, only runs with a matching action in any
 * partition (their keys gathered into a temporary table of the catalog's
 * read connection: reads run one at a time on the main thread).
 */
export function runsOverPartitions(catalog: Database, parts: LedgerPartitions, q: RunQuery): RunPage {
  if (q.q === undefined && q.query === undefined) return listRuns(catalog, q, null);
  const scope: QueryScope = { organization_id: q.scope.organization_id, user_id: q.scope.user_id };
  const key = `runs ${JSON.stringify([q.q, q.query, scope])}`;
  // each day's matching runs, kept per day until it changes (the same array while it has not)
  const perDay = [...parts.oldestFirst()].map((db) =>
    parts.cached(db, key, () => (q.query === undefined ? runsMatching(db, q.q!, scope) : runsMatchingQuery(db, q.query, q.q, scope))),
  );
  let gathered = matchingRuns.get(catalog);
  if (!gathered || gathered.key !== key || gathered.perDay.length !== perDay.length || gathered.perDay.some((a, n) => a !== perDay[n])) {
    // the union goes into a temporary table of the catalog's read connection, kept for the next page of the same query
    catalog.exec(`CREATE TEMP TABLE IF NOT EXISTS matching_runs (organization_id TEXT, run_id TEXT, user_id TEXT,
      PRIMARY KEY (organization_id, run_id, user_id)) WITHOUT ROWID; DELETE FROM temp.matching_runs;`);
    const add = catalog.prepare('INSERT OR IGNORE INTO temp.matching_runs VALUES (?, ?, ?)');
    catalog.transaction(() => {
      for (const keys of perDay) for (const k of keys) add.run(...k);
    })();
    gathered = { key, perDay, found: perDay.reduce((n, keys) => n + keys.length, 0) };
    matchingRuns.set(catalog, gathered);
  }
  return listRuns(catalog, q, {
    sql: '(r.organization_id, r.run_id, r.user_id) IN (SELECT organization_id, run_id, user_id FROM temp.matching_runs)',
    params: [],
    few: gathered.found <= FEW_RUNS,
  });
}

/** The runs matching the last `q` asked of a catalog connection, and the days' answers they were gathered from. */
const matchingRuns = new WeakMap<Database, { key: string; perDay: unknown[][]; found: number }>();

export function runOverPartitions(catalog: Database, parts: LedgerPartitions, scope: QueryScope, runId: string, user?: RunUser): RunDetail | null {
  return getRun(catalog, scope, runId, user, (run) => {
    const rows: EntryRow[] = [];
    // an entry's start is within its run's [start, end]; a hostile end before its start still reaches its start's day
    for (const db of parts.oldestFirst(run.start_us, Math.max(run.start_us, run.end_us))) rows.push(...runActions(db, run));
    return rows;
  });
}
