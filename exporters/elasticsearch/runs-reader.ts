import { detailsFromAttributes } from '../../collector/normalize/stored-details.js';
import { withDetails } from '../../model/entry-details.js';
import type { Client, estypes } from '@elastic/elasticsearch';
import { queryLanguageDsl } from './query-language-dsl.js';
import type { RunStatus } from '../../model/ledger-entry.js';
import { UnsupportedQueryError, type QueryScope, type RunDetail, type RunPage, type RunQuery, type RunSummary, type RunUser } from '../store.js';
import type { EntryDocument } from './entry-document.js';
import { fullTextQuery } from './fulltext-dsl.js';
import { runDocId, runUserKey } from './index-names.js';
import { inclusiveRange, ledgerSort, scopeFilters } from './ledger-query-dsl.js';
import { runSummaryFrom, type RunRollup } from '../run-summary.js';
import { entriesWithStatus, type ReaderOptions } from './ledger-reader.js';
import { containsPattern } from './search-fold.js';
import { guarded, search } from './search-guard.js';
import { searchPage, walkAll } from './search-paging.js';

type Query = estypes.QueryDslQueryContainer;

export type RunDocument = RunRollup & { organization_id: string; user_key: string };

/** Read back without the bookkeeping (the counted span ids can be long). */
const RUN_SOURCE = { excludes: ['applied', 'root_name_fold', 'prompt_name_fold', 'search_name_fold', 'model_fold'] };

export function runFromDocument(d: RunDocument): RunSummary {
  return runSummaryFrom({ ...d, user_id: d.user_id ?? null });
}

const STATUS_QUERY: Record<RunStatus, Query> = {
  running: { term: { root_count: 0 } },
  completed: { bool: { filter: [{ range: { root_count: { gt: 0 } } }, { term: { root_error: 0 } }] } },
  failed: { bool: { filter: [{ range: { root_count: { gt: 0 } } }, { term: { root_error: 1 } }] } },
};

/** `terms` on `_id` past this many runs is refused by Elasticsearch (index.max_terms_count). */
export const MAX_Q_RUNS = 65_536;

type RunKey = { org: string; run: string; user: string | null };

/**
 * The runs (as `_id`s) holding an action that matches `q` within the scope:
 * distinct (organization, run, user) walked with a composite aggregation, so
 * one user's words never match another user's run of the same trace.
 */
async function runsMatching(client: Client, options: ReaderOptions, q: RunQuery): Promise<string[]> {
  const query: Query = { bool: { filter: [...scopeFilters(q.scope), ...(q.q ? [fullTextQuery(q.q)] : []), ...(q.query ? [queryLanguageDsl(q.query)] : [])] } };
  const ids: string[] = [];
  let after: RunKey | undefined;
  const sources = [
    { org: { terms: { field: 'organization_id' } } },
    { run: { terms: { field: 'run_id' } } },
    { user: { terms: { field: 'user_id', missing_bucket: true } } },
  ];
  for (;;) {
    const composite = { size: 1000, sources, ...(after ? { after } : {}) };
    const r = await search(client, { index: options.names.entriesPattern, size: 0, track_total_hits: false, query, aggs: { runs: { composite } } });
    const agg = (r.aggregations as Record<string, { buckets: Array<{ key: RunKey }>; after_key?: RunKey }> | undefined)?.runs;
    for (const b of agg?.buckets ?? []) ids.push(runDocId(b.key.org, b.key.run, b.key.user ?? null));
    if (ids.length > MAX_Q_RUNS) throw new UnsupportedQueryError(`\`q\` matches actions in more than ${MAX_Q_RUNS} runs: narrow it (or add filters) to list runs`);
    if (!agg || agg.buckets.length < 1000 || !agg.after_key) return ids;
    after = agg.after_key;
  }
}

/**
 * `_id` in `ids`, as `ids` queries of at most `chunk` values each: Elasticsearch
 * 9 refuses an `ids` query of more values than the index's
 * max_result_window, and `q` may match up to MAX_Q_RUNS runs.
 */
export function idsQuery(ids: string[], chunk: number): Query {
  if (ids.length <= chunk) return { ids: { values: ids } };
  const should: Query[] = [];
  for (let i = 0; i < ids.length; i += chunk) should.push({ ids: { values: ids.slice(i, i + chunk) } });
  return { bool: { should, minimum_should_match: 1 } };
}

export function runFilterQuery(q: RunQuery, matchingIds: string[] | null, idsChunk = 10_000): Query {
  const filter: Query[] = [...scopeFilters(q.scope)];
  if (q.agent_id !== undefined) filter.push({ term: { agent_id: q.agent_id } });
  if (q.status !== undefined) filter.push(STATUS_QUERY[q.status]);
  filter.push(...inclusiveRange('start_us', q.start_us, q.end_us));
  if (q.search !== undefined) {
    // the prompt name, else the root span's name (search_name_fold holds that choice), or the first model
    const pattern = containsPattern(q.search);
    filter.push({ bool: { should: [{ wildcard: { search_name_fold: { value: pattern } } }, { wildcard: { model_fold: { value: pattern } } }], minimum_should_match: 1 } });
  }
  if (matchingIds !== null) filter.push(idsQuery(matchingIds, idsChunk));
  return { bool: { filter } };
}

export async function listRuns(client: Client, options: ReaderOptions, q: RunQuery): Promise<RunPage> {
  const ids = q.q || q.query ? await runsMatching(client, options, q) : null;
  if (ids !== null && ids.length === 0) return { data: [], count: 0 };
  const sortField = q.sort_by === 'cost' ? 'cost_nanos' : 'start_us';
  const spec = {
    index: options.names.runs,
    query: runFilterQuery(q, ids, options.maxResultWindow),
    // (run, user, organization) is a run's key, and search_after needs a unique one
    sort: [
      { [sortField]: { order: q.sort_order } },
      { run_id: { order: q.sort_order } },
      { user_key: { order: q.sort_order } },
      { organization_id: { order: q.sort_order } },
    ] as estypes.SortCombinations[],
    source: RUN_SOURCE,
    keepAlive: options.pitKeepAlive,
  };
  const page = await searchPage<RunDocument>(client, spec, q.page * q.page_size, q.page_size, options.maxResultWindow);
  return { data: page.hits.map((h) => runFromDocument(h._source!)), count: page.total };
}

/** exporters/store.ts getRun: the run named by `user`, else the scope's first of this id by organization, start, then user. */
async function findRun(client: Client, options: ReaderOptions, scope: QueryScope, runId: string, user: RunUser | undefined): Promise<RunDocument | null> {
  if (scope.organization_id !== null && user !== undefined) {
    const id = runDocId(scope.organization_id, runId, user);
    const r = await guarded(() => client.get<RunDocument>({ index: options.names.runs, id, _source_excludes: RUN_SOURCE.excludes }, { ignore: [404] }));
    const doc = r.found ? r._source! : null;
    return doc && (!scope.user_id || doc.user_id === scope.user_id) ? doc : null;
  }
  const filter: Query[] = [...scopeFilters(scope), { term: { run_id: runId } }];
  if (user !== undefined) filter.push({ term: { user_key: runUserKey(user) } });
  const r = await search<RunDocument>(client, {
    index: options.names.runs,
    query: { bool: { filter } },
    size: 1,
    track_total_hits: false,
    sort: [{ organization_id: { order: 'asc' } }, { start_us: { order: 'asc' } }, { user_key: { order: 'asc' } }],
    _source: RUN_SOURCE,
  });
  return r.hits.hits[0]?._source ?? null;
}

export async function getRun(client: Client, options: ReaderOptions, scope: QueryScope, runId: string, user?: RunUser): Promise<RunDetail | null> {
  const run = await findRun(client, options, scope, runId, user);
  if (!run) return null;
  // the run's own user's actions: another user's spans of this trace are their run
  const userFilter: Query = run.user_id == null ? { bool: { must_not: [{ exists: { field: 'user_id' } }] } } : { term: { user_id: run.user_id } };
  const spec = {
    index: options.names.entriesPattern,
    query: { bool: { filter: [{ term: { organization_id: run.organization_id } }, { term: { run_id: runId } }, userFilter] } },
    sort: ledgerSort('timestamp', 'asc'),
    keepAlive: options.pitKeepAlive,
  };
  const actions = [];
  for await (const hits of walkAll<EntryDocument>(client, spec, Number.MAX_SAFE_INTEGER, Math.min(1000, options.maxResultWindow))) {
    // documents keep no copy of details (no mapping change): read from the attributes they keep
    for (const entry of await entriesWithStatus(client, options.names, hits)) actions.push(withDetails(entry, detailsFromAttributes(entry.attributes)));
  }
  return { run: runFromDocument(run), actions };
}
