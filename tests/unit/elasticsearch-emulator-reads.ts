import type { FakeReply } from './elasticsearch-fake-client.js';

/**
 * The read side of the emulator (elasticsearch-emulator.ts), as strict as a
 * real cluster where the store could get it wrong:
 *
 * - near real time: searches, counts and points in time see an index as of
 *   its last refresh (`_refresh`, or a write with `refresh`); get and mget
 *   are realtime, as in Elasticsearch;
 * - a point in time is a snapshot that expires `keep_alive` after its last
 *   use (on the emulator's clock), then answers 404
 *   search_context_missing_exception;
 * - `from + size` past `index.max_result_window` and an `ids` query of more
 *   values than that are refused with 400, as Elasticsearch 9 refuses them;
 * - injectable faults: failed shards (a 503 when the request says
 *   `allow_partial_search_results=false`, else a 200 missing those shards'
 *   hits, with `_shards.failed`) and a search that timed out (a 200 with
 *   `timed_out: true` and part of the hits).
 */
export interface StoredDoc {
  source: Record<string, any>;
  seq: number;
  /** Fields past their ignore_above: kept in _source, not indexed. */
  ignored: Set<string>;
}

export type IndexView = Map<string, Map<string, StoredDoc>>;

export interface ReadFaults {
  /** Shards that fail on every search, count and point-in-time open (of 2 per request). */
  shardFailures: number;
  /** Every search answers `timed_out: true` with part of its hits. */
  timedOut: boolean;
}

interface Pit {
  view: IndexView;
  keepAliveMs: number;
  expiresAt: number;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseTime(value: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(value);
  if (!m) throw new Error(`emulator: bad time value ${value}`);
  return Number(m[1]) * UNITS[m[2]];
}

const error = (status: number, type: string, reason: string): FakeReply & { body: any } => ({
  status,
  body: { error: { root_cause: [{ type, reason }], type: status === 400 ? type : 'search_phase_execution_exception', reason }, status },
});

/** What every search of the emulator goes through before and after matching. */
export class EmulatorReads {
  private readonly searchable: IndexView = new Map();
  private readonly pits = new Map<string, Pit>();
  private pitSeq = 0;
  readonly faults: ReadFaults = { shardFailures: 0, timedOut: false };
  /** The emulator's clock (ms), for point-in-time expiry: tests move it. */
  now = 0;

  /**
   * `maxResultWindow`: index.max_result_window of the entry and runs indices
   * (what a store's `maxResultWindow` says an operator set there); every
   * other index keeps Elasticsearch's default, 10,000.
   */
  constructor(readonly maxResultWindow: number) {}

  /** The smallest window of the indices a search reads (a pattern matching none: the default). */
  private windowOf(names: string[]): number {
    const windowed = names.some((n) => n.includes('-entries-') || n.includes('-runs'));
    return windowed ? this.maxResultWindow : 10_000;
  }

  /** An index as the last refresh left it (empty before the first). */
  view(names: string[]): IndexView {
    return new Map(names.map((n) => [n, this.searchable.get(n) ?? new Map()]));
  }

  /** Makes these indices' current documents searchable. */
  refresh(live: IndexView, names: Iterable<string>): void {
    for (const n of names) {
      const docs = live.get(n);
      if (docs) this.searchable.set(n, new Map(docs));
      else this.searchable.delete(n);
    }
  }

  get openPits(): number {
    return this.pits.size;
  }

  openPit(names: string[], keepAlive: string | null, partialAllowed: boolean): FakeReply {
    if (!keepAlive) return error(400, 'action_request_validation_exception', 'Validation Failed: 1: [keep_alive] is not specified;');
    if (this.faults.shardFailures > 0 && !partialAllowed) return this.shardFailure();
    const id = `pit-${++this.pitSeq}`;
    const keepAliveMs = parseTime(keepAlive);
    // a snapshot: what the point in time sees never changes
    const view = new Map([...this.view(names)].map(([n, docs]) => [n, new Map(docs)]));
    this.pits.set(id, { view, keepAliveMs, expiresAt: this.now + keepAliveMs });
    return { body: { id } };
  }

  /** A point in time's snapshot, its life renewed by `keep_alive` (the search's, else its own), or the 404 of an expired one. */
  usePit(id: string, keepAlive: string | undefined): IndexView | FakeReply {
    const pit = this.pits.get(id);
    if (!pit || pit.expiresAt < this.now) {
      this.pits.delete(id);
      return { status: 404, body: { error: { root_cause: [{ type: 'search_context_missing_exception', reason: `No search context found for id [${id}]` }], type: 'search_phase_execution_exception', reason: 'all shards failed' }, status: 404 } };
    }
    if (keepAlive) pit.keepAliveMs = parseTime(keepAlive);
    pit.expiresAt = this.now + pit.keepAliveMs;
    return pit.view;
  }

  closePit(id: string): FakeReply {
    const found = this.pits.delete(id);
    return { status: found ? 200 : 404, body: { succeeded: found, num_freed: found ? 1 : 0 } };
  }

  /** What Elasticsearch refuses before searching: a window past max_result_window, an `ids` query longer than it. */
  refuse(names: string[], body: any): FakeReply | null {
    const window = this.windowOf(names);
    const from = body.from ?? 0;
    const size = body.size ?? 10;
    if (from + size > window) {
      return error(400, 'illegal_argument_exception', `Result window is too large, from + size must be less than or equal to: [${window}] but was [${from + size}]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.`);
    }
    const ids = longestIds(body.query);
    if (ids > window) {
      return error(400, 'illegal_argument_exception', `too many ids specified: [${ids}], the maximum allowed is [${window}]; this limit can be set by changing the [index.max_result_window] index level setting.`);
    }
    return null;
  }

  shardFailure(): FakeReply {
    return error(503, 'node_disconnected_exception', `[node-2] disconnected; ${this.faults.shardFailures} shard(s) failed: Partial shards failure`);
  }

  /**
   * Faults applied to a search's matching documents: null to answer with
   * them all, or the part a partial answer keeps and its `_shards`/`timed_out`.
   */
  partial<T extends { id: string }>(hits: T[], partialAllowed: boolean): FakeReply | { hits: T[]; shards: Record<string, unknown>; timedOut: boolean } {
    const { shardFailures, timedOut } = this.faults;
    if (shardFailures > 0 && !partialAllowed) return this.shardFailure();
    if (shardFailures === 0 && !timedOut) return { hits, shards: { total: 2, successful: 2, skipped: 0, failed: 0 }, timedOut: false };
    // a lost shard (or the part not reached in time) holds the documents hashed to shard 1
    const kept = hits.filter((h) => shardOf(h.id) === 0);
    const failures = shardFailures > 0 ? [{ shard: 1, index: null, reason: { type: 'node_disconnected_exception', reason: '[node-2] disconnected' } }] : undefined;
    const failed = Math.min(shardFailures, 1);
    return { hits: kept, shards: { total: 2, successful: 2 - failed, skipped: 0, failed, ...(failures ? { failures } : {}) }, timedOut };
  }
}

function shardOf(id: string): number {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) | 0;
  return Math.abs(h) % 2;
}

/** The most values of any `ids` query in a query tree. */
function longestIds(query: unknown): number {
  if (!query || typeof query !== 'object') return 0;
  let most = 0;
  for (const [key, value] of Object.entries(query)) {
    if (key === 'ids' && value && typeof value === 'object' && Array.isArray((value as { values?: unknown }).values)) most = Math.max(most, (value as { values: unknown[] }).values.length);
    else most = Math.max(most, longestIds(value));
  }
  return most;
}
