import type { Client, estypes } from '@elastic/elasticsearch';
import { guarded, search } from './search-guard.js';

/**
 * Pages and full walks over a search. `from` + `size` only while they stay
 * within the result window (index.max_result_window, 10,000 by default);
 * past it, a point in time and `search_after` on the sort's values (the
 * sort always ends in a unique key), never a deep `from`.
 */
export interface SearchSpec {
  index: string;
  query: estypes.QueryDslQueryContainer;
  sort: estypes.SortCombinations[];
  /** What of `_source` to read back (default: all). */
  source?: estypes.SearchSourceConfig;
  /** How long a point in time lives between two reads of a walk (renewed by each read; default DEFAULT_PIT_KEEP_ALIVE). */
  keepAlive?: string;
}

export interface Hits<T> {
  hits: Array<estypes.SearchHit<T>>;
  total: number;
}

/**
 * A point in time lives this long past each read, unless the spec says
 * otherwise: an export streaming to a slow client can pause between two
 * chunks for longer than a minute, and an expired point in time ends the
 * walk with an error. Each read renews it; it is closed as soon as the walk
 * ends or is abandoned, so a long keep-alive holds nothing longer.
 */
export const DEFAULT_PIT_KEEP_ALIVE = '5m';

const keepAliveOf = (spec: SearchSpec) => spec.keepAlive ?? DEFAULT_PIT_KEEP_ALIVE;

function totalOf(hits: estypes.SearchHitsMetadata<unknown>): number {
  const t = hits.total;
  return typeof t === 'number' ? t : (t?.value ?? 0);
}

const sourceOf = (spec: SearchSpec) => (spec.source === undefined ? {} : { _source: spec.source });

/** Whether a page is served with from/size (true) or needs a point in time. */
export function fitsWindow(from: number, size: number, window: number): boolean {
  return from + size <= window;
}

/** A point in time over `index`, or null when no index matches yet (nothing to read). */
export async function openPit(client: Client, index: string, keepAlive: string = DEFAULT_PIT_KEEP_ALIVE): Promise<string | null> {
  try {
    // a point in time over a shard that cannot be opened is refused, not opened over the others
    return (await guarded(() => client.openPointInTime({ index, keep_alive: keepAlive, ignore_unavailable: true, allow_partial_search_results: false }))).id;
  } catch (err) {
    if ((err as { body?: { error?: { type?: string } } }).body?.error?.type === 'index_not_found_exception') return null;
    throw err;
  }
}

export async function closePit(client: Client, id: string): Promise<void> {
  await client.closePointInTime({ id }).catch(() => undefined);
}

/** One page of hits (with the exact total), from `from`, in the spec's sort. */
export async function searchPage<T>(client: Client, spec: SearchSpec, from: number, size: number, window: number): Promise<Hits<T>> {
  if (fitsWindow(from, size, window)) {
    const r = await search<T>(client, { index: spec.index, query: spec.query, sort: spec.sort, from, size, track_total_hits: true, ...sourceOf(spec) });
    return { hits: r.hits.hits, total: totalOf(r.hits) };
  }
  const opened = await openPit(client, spec.index, keepAliveOf(spec));
  if (opened === null) return { hits: [], total: 0 };
  let pit: string = opened;
  try {
    let after: estypes.SortResults | undefined;
    let skipped = 0;
    let total = -1;
    // Walk to `from` in window-sized steps reading only sort values, then read the page.
    while (skipped < from) {
      const r: estypes.SearchResponse<T> = await search<T>(client, {
        pit: { id: pit, keep_alive: keepAliveOf(spec) }, query: spec.query, sort: spec.sort, size: Math.min(window, from - skipped),
        _source: false, track_total_hits: total < 0, ...(after ? { search_after: after } : {}),
      });
      pit = r.pit_id ?? pit;
      if (total < 0) total = totalOf(r.hits);
      if (from >= total) return { hits: [], total };
      const hits = r.hits.hits;
      if (!hits.length) return { hits: [], total };
      skipped += hits.length;
      after = hits[hits.length - 1].sort;
    }
    // then the page itself, in window-sized reads too (a page may be larger than a small window)
    const hits: Array<estypes.SearchHit<T>> = [];
    while (hits.length < size) {
      const want = Math.min(window, size - hits.length);
      const r: estypes.SearchResponse<T> = await search<T>(client, {
        pit: { id: pit, keep_alive: keepAliveOf(spec) }, query: spec.query, sort: spec.sort, size: want,
        track_total_hits: total < 0, ...sourceOf(spec), ...(after ? { search_after: after } : {}),
      });
      pit = r.pit_id ?? pit;
      if (total < 0) total = totalOf(r.hits);
      hits.push(...r.hits.hits);
      if (r.hits.hits.length < want) break;
      after = r.hits.hits[r.hits.hits.length - 1].sort;
    }
    return { hits, total };
  } finally {
    await closePit(client, pit);
  }
}

/**
 * A page of `size` hits after the sort values `after` (with the exact total
 * of every match): a keyset seek with `search_after`, however deep, in
 * window-sized reads. No point in time: each read seeks from a key, so a
 * document written meanwhile is seen or not by its place in the sort, and
 * nothing is skipped or repeated.
 */
export async function searchAfterPage<T>(client: Client, spec: SearchSpec, after: estypes.SortResults, size: number, window: number): Promise<Hits<T>> {
  const hits: Array<estypes.SearchHit<T>> = [];
  let total = -1;
  let position = after;
  while (hits.length < size) {
    const want = Math.min(window, size - hits.length);
    const r = await search<T>(client, {
      index: spec.index, query: spec.query, sort: spec.sort, size: want, search_after: position,
      track_total_hits: total < 0, ...sourceOf(spec),
    });
    if (total < 0) total = totalOf(r.hits);
    hits.push(...r.hits.hits);
    if (r.hits.hits.length < want) break;
    position = r.hits.hits[r.hits.hits.length - 1].sort!;
  }
  return { hits, total };
}

/**
 * Every hit in the spec's sort (after the sort values `start` when given),
 * at most `limit`, in chunks of `chunk`, over a point in time so that the
 * walk sees one consistent snapshot. The caller owns the iterator: stopping
 * early closes the point in time.
 */
export async function* walkAll<T>(
  client: Client,
  spec: SearchSpec,
  limit: number,
  chunk: number,
  start?: estypes.SortResults,
): AsyncGenerator<Array<estypes.SearchHit<T>>> {
  if (limit <= 0) return;
  const opened = await openPit(client, spec.index, keepAliveOf(spec));
  if (opened === null) return;
  let pit: string = opened;
  try {
    let after: estypes.SortResults | undefined = start;
    let remaining = limit;
    while (remaining > 0) {
      const size = Math.min(chunk, remaining);
      const r: estypes.SearchResponse<T> = await search<T>(client, {
        pit: { id: pit, keep_alive: keepAliveOf(spec) }, query: spec.query, sort: spec.sort, size,
        track_total_hits: false, ...sourceOf(spec), ...(after ? { search_after: after } : {}),
      });
      pit = r.pit_id ?? pit;
      const hits = r.hits.hits;
      if (hits.length) yield hits;
      remaining -= hits.length;
      if (hits.length < size) return;
      after = hits[hits.length - 1].sort;
    }
  } finally {
    await closePit(client, pit);
  }
}

/** Every hit, collected (for small sets: a run's actions, organizations, keys). */
export async function collectAll<T>(client: Client, spec: SearchSpec, chunk: number): Promise<T[]> {
  const out: T[] = [];
  for await (const hits of walkAll<T>(client, spec, Number.MAX_SAFE_INTEGER, chunk)) for (const h of hits) out.push(h._source as T);
  return out;
}
