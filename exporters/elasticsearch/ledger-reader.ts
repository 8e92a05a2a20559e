import type { Client, estypes } from '@elastic/elasticsearch';
import type { LedgerEntry, RunStatus } from '../../model/ledger-entry.js';
import { runStatus } from '../../model/run-rollup.js';
import type { LedgerFilter, LedgerKeyset, LedgerPage, LedgerQuery } from '../store.js';
import { entryFromDocument, type EntryDocument } from './entry-document.js';
import { runDocId, type IndexNames } from './index-names.js';
import { ledgerFilterQuery, ledgerSort } from './ledger-query-dsl.js';
import { guarded } from './search-guard.js';
import { searchAfterPage, searchPage, walkAll } from './search-paging.js';

/** A run is running until a root span of it has ended; then failed if a root failed (as the SQLite store derives it). */
export interface ReaderOptions {
  names: IndexNames;
  /** The largest from + size a plain search may use (index.max_result_window). */
  maxResultWindow: number;
  /** A point in time's keep-alive between two reads of a walk (search-paging.ts DEFAULT_PIT_KEEP_ALIVE when unset). */
  pitKeepAlive?: string;
}

/** Entries of documents, with each run's status read from the runs index (derived, never stored on an entry). */
export async function entriesWithStatus(client: Client, names: IndexNames, hits: Array<estypes.SearchHit<EntryDocument>>): Promise<LedgerEntry[]> {
  const docs = hits.map((h) => h._source!);
  if (!docs.length) return [];
  const ids = [...new Set(docs.map((d) => runDocId(d.organization_id, d.run_id, d.user_id ?? null)))];
  const response = await guarded(() =>
    client.mget<{ root_count?: number; root_error?: number }>({ index: names.runs, ids, _source_includes: ['root_count', 'root_error'] }),
  );
  const status = new Map<string, RunStatus>();
  for (const doc of response.docs) {
    const source = 'found' in doc && doc.found ? doc._source : undefined;
    status.set(doc._id, runStatus(source?.root_count, source?.root_error));
  }
  return docs.map((d) => entryFromDocument(d, status.get(runDocId(d.organization_id, d.run_id, d.user_id ?? null)) ?? 'running'));
}

export async function queryLedger(client: Client, options: ReaderOptions, query: LedgerQuery): Promise<LedgerPage> {
  const spec = { index: options.names.entriesPattern, query: ledgerFilterQuery(query), sort: ledgerSort(query.sort_by, query.sort_order), keepAlive: options.pitKeepAlive };
  const from = query.page * query.page_size;
  // with a keyset, one hit past the page says whether another follows; with from/size, the total does
  const page = query.after
    ? await searchAfterPage<EntryDocument>(client, spec, keysetSortValues(query.after), query.page_size + 1, options.maxResultWindow)
    : await searchPage<EntryDocument>(client, spec, from, query.page_size, options.maxResultWindow);
  const hits = page.hits.slice(0, query.page_size);
  const more = query.after ? page.hits.length > query.page_size : hits.length === query.page_size && from + hits.length < page.total;
  const next = more ? keysetOfHit(hits[hits.length - 1]) : null;
  return { data: await entriesWithStatus(client, options.names, hits), count: page.total, next };
}

/** ledgerSort's values for a position: the sort key, then the id. */
function keysetSortValues(after: LedgerKeyset): estypes.SortResults {
  return [after.key, after.id];
}

function keysetOfHit(hit: estypes.SearchHit<EntryDocument>): LedgerKeyset {
  const [key, id] = hit.sort as [number | string, string];
  return { key, id };
}

const EXPORT_CHUNK = 1000;

/** Newest first (then id), after `after` when given, at most `limit`, over one point in time, in chunks: memory stays flat. */
export async function* exportLedger(
  client: Client,
  options: ReaderOptions,
  filter: LedgerFilter,
  limit: number,
  after?: LedgerKeyset,
): AsyncGenerator<LedgerEntry> {
  const spec = { index: options.names.entriesPattern, query: ledgerFilterQuery(filter), sort: ledgerSort('timestamp', 'desc'), keepAlive: options.pitKeepAlive };
  const chunk = Math.min(EXPORT_CHUNK, options.maxResultWindow);
  for await (const hits of walkAll<EntryDocument>(client, spec, limit, chunk, after && keysetSortValues(after))) {
    yield* await entriesWithStatus(client, options.names, hits);
  }
}
