import type { Client, estypes } from '@elastic/elasticsearch';
import type { RunStatus } from '../../model/ledger-entry.js';
import type { ModelConfig } from '../../model/model-config.js';
import { isoFromMicros } from '../../model/time.js';
import { UnsupportedQueryError, type QueryScope, type RunDetail, type RunPage, type RunQuery, type RunSummary } from '../store.js';
import type { EntryDocument } from './entry-document.js';
import { fullTextQuery } from './fulltext-dsl.js';
import { runDocId } from './index-names.js';
import { inclusiveRange, ledgerSort, scopeFilters } from './ledger-query-dsl.js';
import { entriesWithStatus, runStatusOf, type ReaderOptions } from './ledger-reader.js';
import { containsPattern } from './search-fold.js';
import { searchPage, walkAll } from './search-paging.js';

type Query = estypes.QueryDslQueryContainer;

export interface RunDocument {
  organization_id: string;
  run_id: string;
  agent_id: string | null;
  user_id: string | null;
  start_us: number;
  end_us: number;
  action_count: number;
  cost_micros: number;
  root_count: number;
  root_error: number;
  root_name: string | null;
  root_span_id: string | null;
  prompt_name: string | null;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  model_config: ModelConfig | null;
  tags: string[];
}

/** Read back without the bookkeeping (the counted span ids can be long). */
const RUN_SOURCE = { excludes: ['applied', 'root_name_fold', 'prompt_name_fold', 'search_name_fold', 'model_fold'] };

export function runFromDocument(d: RunDocument): RunSummary {
  return {
    id: d.run_id,
    trace_id: d.run_id.replace(/-/g, ''),
    status: runStatusOf(d.root_count, d.root_error),
    agent_id: d.agent_id,
    user_id: d.user_id,
    name: d.root_name,
    root_span_id: d.root_span_id,
    prompt_name: d.prompt_name,
    started_at: isoFromMicros(d.start_us),
    ended_at: isoFromMicros(d.end_us),
    duration_ms: (d.end_us - d.start_us) / 1000,
    total_cost_usd: d.cost_micros / 1e6,
    action_count: d.action_count,
    input_tokens: d.input_tokens,
    output_tokens: d.output_tokens,
    total_tokens: d.total_tokens,
    model_config: d.model_config,
    tags: d.tags,
  };
}

const STATUS_QUERY: Record<RunStatus, Query> = {
  running: { term: { root_count: 0 } },
  completed: { bool: { filter: [{ range: { root_count: { gt: 0 } } }, { term: { root_error: 0 } }] } },
  failed: { bool: { filter: [{ range: { root_count: { gt: 0 } } }, { term: { root_error: 1 } }] } },
};

/** `terms` on `_id` past this many runs is refused by Elasticsearch (index.max_terms_count). */
export const MAX_Q_RUNS = 65_536;

/** The runs (as `_id`s) holding an action that matches `q` within the scope: distinct pairs walked with a composite aggregation. */
async function runsMatching(client: Client, options: ReaderOptions, q: RunQuery): Promise<string[]> {
  const query: Query = { bool: { filter: [...scopeFilters(q.scope), fullTextQuery(q.q!)] } };
  const ids: string[] = [];
  let after: Record<string, string> | undefined;
  for (;;) {
    const composite = { size: 1000, sources: [{ org: { terms: { field: 'organization_id' } } }, { run: { terms: { field: 'run_id' } } }], ...(after ? { after } : {}) };
    const r = await client.search({ index: options.names.entriesPattern, size: 0, query, aggs: { runs: { composite } } });
    const agg = (r.aggregations as Record<string, { buckets: Array<{ key: { org: string; run: string } }>; after_key?: Record<string, string> }> | undefined)?.runs;
    for (const b of agg?.buckets ?? []) ids.push(runDocId(b.key.org, b.key.run));
    if (ids.length > MAX_Q_RUNS) throw new UnsupportedQueryError(`\`q\` matches actions in more than ${MAX_Q_RUNS} runs: narrow it (or add filters) to list runs`);
    if (!agg || agg.buckets.length < 1000 || !agg.after_key) return ids;
    after = agg.after_key;
  }
}

export function runFilterQuery(q: RunQuery, matchingIds: string[] | null): Query {
  const filter: Query[] = [...scopeFilters(q.scope)];
  if (q.agent_id !== undefined) filter.push({ term: { agent_id: q.agent_id } });
  if (q.status !== undefined) filter.push(STATUS_QUERY[q.status]);
  filter.push(...inclusiveRange('start_us', q.start_us, q.end_us));
  if (q.search !== undefined) {
    // the prompt name, else the root span's name (search_name_fold holds that choice), or the first model
    const pattern = containsPattern(q.search);
    filter.push({ bool: { should: [{ wildcard: { search_name_fold: { value: pattern } } }, { wildcard: { model_fold: { value: pattern } } }], minimum_should_match: 1 } });
  }
  if (matchingIds !== null) filter.push({ ids: { values: matchingIds } });
  return { bool: { filter } };
}

export async function listRuns(client: Client, options: ReaderOptions, q: RunQuery): Promise<RunPage> {
  const ids = q.q ? await runsMatching(client, options, q) : null;
  if (ids !== null && ids.length === 0) return { data: [], count: 0 };
  const sortField = q.sort_by === 'cost' ? 'cost_micros' : 'start_us';
  const spec = {
    index: options.names.runs,
    query: runFilterQuery(q, ids),
    // organization_id last: run ids repeat only across organizations, and search_after needs a unique key
    sort: [{ [sortField]: { order: q.sort_order } }, { run_id: { order: q.sort_order } }, { organization_id: { order: q.sort_order } }] as estypes.SortCombinations[],
    source: RUN_SOURCE,
  };
  const page = await searchPage<RunDocument>(client, spec, q.page * q.page_size, q.page_size, options.maxResultWindow);
  return { data: page.hits.map((h) => runFromDocument(h._source!)), count: page.total };
}

async function findRun(client: Client, options: ReaderOptions, scope: QueryScope, runId: string): Promise<RunDocument | null> {
  if (scope.organization_id !== null) {
    const r = await client.get<RunDocument>({ index: options.names.runs, id: runDocId(scope.organization_id, runId), _source_excludes: RUN_SOURCE.excludes }, { ignore: [404] });
    const doc = r.found ? r._source! : null;
    return doc && (!scope.user_id || doc.user_id === scope.user_id) ? doc : null;
  }
  const query: Query = { bool: { filter: [...scopeFilters(scope), { term: { run_id: runId } }] } };
  const r = await client.search<RunDocument>({ index: options.names.runs, query, size: 1, sort: [{ organization_id: { order: 'asc' } }], _source: RUN_SOURCE });
  return r.hits.hits[0]?._source ?? null;
}

export async function getRun(client: Client, options: ReaderOptions, scope: QueryScope, runId: string): Promise<RunDetail | null> {
  const run = await findRun(client, options, scope, runId);
  if (!run) return null;
  const spec = {
    index: options.names.entriesPattern,
    query: { bool: { filter: [...scopeFilters(scope), { term: { run_id: runId } }] } },
    sort: ledgerSort('timestamp', 'asc'),
  };
  const actions = [];
  for await (const hits of walkAll<EntryDocument>(client, spec, Number.MAX_SAFE_INTEGER, Math.min(1000, options.maxResultWindow))) {
    actions.push(...(await entriesWithStatus(client, options.names, hits)));
  }
  return { run: runFromDocument(run), actions };
}
