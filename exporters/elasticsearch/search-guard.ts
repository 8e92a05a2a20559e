import { errors, type Client, type estypes } from '@elastic/elasticsearch';
import { StoreUnavailableError, UnsupportedQueryError } from '../store.js';

/**
 * Every read refuses rather than answers low: a search that skipped a shard
 * (`_shards.failed`) or stopped early (`timed_out`) would give short pages,
 * low counts and "exact" stats that are not, so those become a
 * StoreUnavailableError (the query API's 503 with Retry-After). Errors of the
 * cluster or the connection become the same; a query the cluster refuses as
 * too large (too many clauses) is the caller's 400; anything else is ours
 * and stays as it is (a 500, logged).
 */

const TOO_MANY_CLAUSES = /too_many(_nested)?_clauses|maxClauseCount|max_clause_count/;

type ErrorBody = { error?: { type?: string; reason?: string; root_cause?: Array<{ type?: string; reason?: string }> } };

function rootType(body: ErrorBody | undefined): string {
  return body?.error?.root_cause?.[0]?.type ?? body?.error?.type ?? 'unknown';
}

/** The store error a client or cluster failure is; other errors as they are. */
export function toStoreError(err: unknown): unknown {
  if (err instanceof StoreUnavailableError || err instanceof UnsupportedQueryError) return err;
  if (err instanceof errors.ConnectionError || err instanceof errors.NoLivingConnectionsError) {
    return new StoreUnavailableError('elasticsearch is unavailable: cannot connect to the cluster', { cause: err });
  }
  if (err instanceof errors.TimeoutError) return new StoreUnavailableError('elasticsearch is unavailable: the request timed out', { cause: err });
  // a proxy's HTML error page in front of the cluster
  if (err instanceof errors.DeserializationError) return new StoreUnavailableError('elasticsearch is unavailable: an unreadable answer', { cause: err });
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode ?? 0;
    const body = err.body as ErrorBody | undefined;
    const type = rootType(body);
    if (TOO_MANY_CLAUSES.test(`${type} ${JSON.stringify(body ?? '')}`)) {
      return new UnsupportedQueryError('the query expands to too many terms for elasticsearch (too many clauses): narrow `q` or `search`', { cause: err });
    }
    if (status === 429) return new StoreUnavailableError('elasticsearch is unavailable: the cluster is overloaded (429)', { cause: err });
    if (status >= 500) return new StoreUnavailableError(`elasticsearch is unavailable: the cluster answered ${status} (${type})`, { cause: err });
    // a point in time that expired mid-walk: the walk cannot go on consistently
    if (type === 'search_context_missing_exception') return new StoreUnavailableError('elasticsearch is unavailable: the point in time expired during the read', { cause: err });
  }
  return err;
}

/** Runs one read, turning a cluster failure into a store error. */
export async function guarded<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    throw toStoreError(err);
  }
}

/** A whole answer or an error: no shard skipped, no early stop. */
export function assertComplete(r: { timed_out?: boolean; _shards?: estypes.ShardStatistics }): void {
  const failed = r._shards?.failed ?? 0;
  if (failed > 0) {
    const reason = r._shards?.failures?.[0]?.reason?.type;
    throw new StoreUnavailableError(`elasticsearch is unavailable: ${failed} of ${r._shards?.total ?? '?'} shard(s) failed${reason ? ` (${reason})` : ''}; refusing a partial answer`);
  }
  if (r.timed_out) throw new StoreUnavailableError('elasticsearch is unavailable: the search timed out; refusing a partial answer');
}

/** client.search that never returns a partial result. */
export async function search<T, A = Record<string, estypes.AggregationsAggregate>>(client: Client, params: estypes.SearchRequest): Promise<estypes.SearchResponse<T, A>> {
  const r = await guarded(() => client.search<T, A>({ ...params, allow_partial_search_results: false }));
  assertComplete(r);
  return r;
}

/** An iteration whose cluster failures are store errors (an export's walk). */
export async function* guardedWalk<T>(walk: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* walk;
  } catch (err) {
    throw toStoreError(err);
  }
}
