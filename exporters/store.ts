import type { LogMessageRecord } from '../model/log-message.js';
import type { ActionKind, EntryRecord, LedgerEntry, Outcome, RunStatus } from '../model/ledger-entry.js';
import type { Entities } from '../model/entities.js';
import type { EntityFilter, TimelineSummary } from './timeline.js';
import type { ModelConfig } from '../model/model-config.js';
import type { QueryExpr } from '../model/query-language.js';
import type { SearchQuery } from '../model/search-query.js';
import type { AgentStore } from './agent-store.js';
import type { CredentialStore } from './credential-types.js';
import type { SavedSearchStore } from './saved-search-store.js';

export type { EntityFilter, TimelineSummary } from './timeline.js';
export type { ApiKeyRecord, CredentialStore, Organization, StoredApiKey } from './credential-types.js';

/**
 * Whose data a read may see. Every read carries one; a store applies it in
 * the query itself, so no route can forget it. `organization_id` null means
 * every organization (superusers only); `user_id` set means only runs of
 * that user.
 */
export interface QueryScope {
  organization_id: string | null;
  user_id?: string | null;
}

export const LEDGER_SORT_FIELDS = ['timestamp', 'cost', 'duration', 'name'] as const;
export type LedgerSortField = (typeof LEDGER_SORT_FIELDS)[number];
export type SortOrder = 'asc' | 'desc';

/**
 * Exact values of an entry's own fields (the console's filters): one value
 * each, all given must hold. `user_id` narrows within the scope, never past
 * it (a user-scoped read stays that user's). `tag`: one of the entry's tags.
 * `conversation_id`: the first string among the attributes
 * collector/normalize/conversation-id.ts names (the conventions' session ids).
 */
export interface EntryFieldFilter {
  kind?: ActionKind;
  model?: string;
  provider?: string;
  user_id?: string;
  service_name?: string;
  tag?: string;
  conversation_id?: string;
  /** The `query` language's expression (model/query-language.ts), ANDed with the rest. */
  query?: QueryExpr;
}

export const ENTRY_FIELD_FILTERS = ['kind', 'model', 'provider', 'user_id', 'service_name', 'tag', 'conversation_id'] as const satisfies ReadonlyArray<keyof EntryFieldFilter>;

/** Backend-neutral ledger filters (DESIGN.md "Queries"); times in µs, cost in nano-USD, bounds inclusive. */
export interface LedgerFilter extends EntryFieldFilter {
  scope: QueryScope;
  outcome?: Outcome;
  action_name?: string;
  agent_id?: string;
  run_id?: string;
  min_cost_nanos?: number;
  max_cost_nanos?: number;
  start_us?: number;
  end_us?: number;
  /** Literal, case-insensitive substring of action name, agent id or outcome; never query syntax. */
  search?: string;
  /** Full text over name, status message, inputs and outputs (model/search-query.ts), already parsed. */
  q?: SearchQuery;
  /** Entries whose extracted entities (model/entities.ts) of this type hold exactly this value. */
  entity?: EntityFilter;
}

/**
 * A position in a ledger sort: the sort key of a row (timestamp: `ts_us`,
 * cost: `cost_nanos`, duration: `duration_ms` as stored, name: `name`) and
 * its id, the tiebreak. Rows after it are those that follow it in the sort.
 */
export interface LedgerKeyset {
  key: number | string;
  id: string;
}

export interface LedgerQuery extends LedgerFilter {
  sort_by: LedgerSortField;
  sort_order: SortOrder;
  /** 0-based; with `after`, always 0 (the page starts after that position, never at an offset). */
  page: number;
  page_size: number;
  /**
   * Keyset paging: only rows after this position in the sort (a seek, never
   * a walk over the rows before it). `count` still counts every match.
   */
  after?: LedgerKeyset;
}

export interface LedgerPage {
  data: LedgerEntry[];
  /** Every match, not only this page's. */
  count: number;
  /** The position of the page's last row when a match follows it (the next page's `after`); null at the end. */
  next: LedgerKeyset | null;
}

export interface StatsQuery extends EntryFieldFilter {
  scope: QueryScope;
  agent_id?: string;
  start_us?: number;
  end_us?: number;
}

export const TIMESERIES_INTERVALS = ['hour', 'day'] as const;
export type TimeseriesInterval = (typeof TIMESERIES_INTERVALS)[number];

/** Stats' filters over [start_us, end_us] (both given, inclusive), cut into UTC hours or days. */
export interface TimeseriesQuery extends StatsQuery {
  interval: TimeseriesInterval;
  start_us: number;
  end_us: number;
}

/** One bucket: what /ledger/stats counts, for the entries starting in it (and in the range). Every bucket of the range is listed, empty ones too. */
export interface TimeseriesBucket {
  /** The bucket's first µs (UTC), RFC 3339. */
  start: string;
  count: number;
  cost_usd: number;
  success_count: number;
  error_count: number;
  blocked_count: number;
}

export interface CountAndCost {
  count: number;
  cost_usd: number;
}

/** The seed's stats, then what investigators need next. Counts and sums are exact; percentiles approximate. */
export interface LedgerStats {
  total_actions: number;
  total_cost_usd: number;
  success_count: number;
  error_count: number;
  blocked_count: number;
  average_duration_ms: number;
  unique_agents: number;
  unique_action_types: number;
  p50_duration_ms: number | null;
  p95_duration_ms: number | null;
  /** Percentiles come from log-scale buckets: within this relative error of the exact value. */
  percentiles_relative_error: number;
  /** Top 20 by cost, then count, then name. */
  top_actions: Array<CountAndCost & { name: string }>;
  /** Top 20 by cost, then count, then agent id. */
  top_agents: Array<CountAndCost & { agent_id: string }>;
}

export const RUN_SORT_FIELDS = ['timestamp', 'cost'] as const;
export type RunSortField = (typeof RUN_SORT_FIELDS)[number];

export interface RunQuery {
  scope: QueryScope;
  agent_id?: string;
  status?: RunStatus;
  /** On the run's start time, inclusive. */
  start_us?: number;
  end_us?: number;
  /** Literal, case-insensitive substring of the prompt name (else root span name) or the model. */
  search?: string;
  /** Only runs with an action matching this full-text query. */
  q?: SearchQuery;
  /** Only runs with an action matching this `query` expression. */
  query?: QueryExpr;
  sort_by: RunSortField;
  sort_order: SortOrder;
  /** 0-based. */
  page: number;
  page_size: number;
}

/** Whose run of a trace id: a user id, or null for the run of spans with no user. */
export type RunUser = string | null;

/**
 * A run (= one user's spans of a trace) as rolled up at write time. Runs are
 * per (organization, user, trace id): when two users write into one trace
 * id, each has a run of their own spans, and the list holds both.
 */
export interface RunSummary {
  id: string;
  trace_id: string;
  status: RunStatus;
  agent_id: string | null;
  user_id: string | null;
  /** The root span's name, once the root has arrived. */
  name: string | null;
  /** The root span's id, once it has arrived. */
  root_span_id: string | null;
  /** From `ledger.prompt.name` / `langfuse.observation.prompt.name` on any span; null if none carries it. */
  prompt_name: string | null;
  started_at: string;
  ended_at: string;
  duration_ms: number;
  total_cost_usd: number;
  action_count: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  /** The first model call's model and parameters. */
  model_config: ModelConfig | null;
  tags: string[];
}

export interface RunPage {
  data: RunSummary[];
  count: number;
}

export interface RunDetail {
  run: RunSummary;
  /** Every action of the run in time order (then id). */
  actions: LedgerEntry[];
}

export interface WriteResult {
  /** Entries new to the store; the rest were already there and left untouched. */
  inserted: number;
}

/**
 * The ledger: entries, their runs and stats. The storage contract every
 * backend implements and `tests/conformance` checks.
 *
 * - `write` is idempotent by entry id: the first write of an id wins, later
 *   copies are ignored, never duplicated and never rewritten. It resolves only
 *   once every entry of the batch is durable (fsynced / acknowledged by the
 *   cluster); rollups change only for entries actually inserted. A rejection
 *   means nothing may be assumed written: the caller retries the whole batch,
 *   which idempotency makes safe.
 * - Reads answer exactly, for every backend, what the conformance suite
 *   expects; a backend that cannot answer a filter exactly refuses it.
 */
export interface LedgerStore {
  write(entries: EntryRecord[]): Promise<WriteResult>;
  /**
   * GenAI events that came as OTLP log records, joined to the entries of
   * their spans whichever is written first (model/log-message.ts; the rule:
   * collector/normalize/message-join.ts): idempotent by log id, durable when
   * it resolves, like `write`. Events refused for good: a PermanentStoreError
   * once the others are stored.
   */
  writeLogMessages(messages: LogMessageRecord[]): Promise<void>;
  queryLedger(query: LedgerQuery): Promise<LedgerPage>;
  /**
   * Every match, newest first (then id), at most `limit`, streamed in chunks:
   * memory stays flat whatever the size. With `after` (a position in the
   * timestamp-descending sort), only the matches after it. The caller owns
   * the iterator.
   */
  exportLedger(filter: LedgerFilter, limit: number, after?: LedgerKeyset): AsyncIterable<LedgerEntry>;
  /**
   * Optional: the same export (never with `q`) as each entry's JSON text,
   * exactly `JSON.stringify` of what `exportLedger` yields, in chunks of
   * entries. A store that keeps payloads as JSON text splices it in rather
   * than parsing it only to serialise it again.
   */
  exportLedgerJson?(filter: Omit<LedgerFilter, 'q'>, limit: number, after?: LedgerKeyset): AsyncIterable<string[]>;
  /** Aggregates without fetching rows (rollups kept at write time, exact edges for any range). */
  stats(query: StatsQuery): Promise<LedgerStats>;
  /** stats' counts per UTC hour or day, exact for any range (rollups for whole hours, entries for the edges). */
  timeseries(query: TimeseriesQuery): Promise<TimeseriesBucket[]>;
  listRuns(query: RunQuery): Promise<RunPage>;
  /**
   * One user's run of this id, with that user's actions only. `user` names
   * whose (null: the spans with no user); left out, the first of the scope's
   * runs with this id by organization, start time, then user (no user
   * first). null when there is none within the scope (another tenant's run
   * is simply not there).
   */
  getRun(scope: QueryScope, runId: string, user?: RunUser): Promise<RunDetail | null>;
  /** The aggregates of a timeline (TimelineSummary) over the entries `filter` matches (never with `q`). */
  timelineSummary(filter: Omit<LedgerFilter, 'q'>): Promise<TimelineSummary>;
}

/**
 * An entry as the tail reads it: where it lies in ingest order, the fields
 * the ledger filters and the caller's scope test (store.ts LedgerFilter),
 * and its JSON exactly as the ledger's read returns it.
 */
export interface TailEntry {
  /** A part of the ledger with its own ingest order (SQLite: a partition file). */
  source: string;
  /** Position within `source`: every entry that becomes visible there later has a larger one. */
  seq: number;
  organization_id: string;
  user_id: string | null;
  outcome: Outcome;
  name: string;
  agent_id: string | null;
  run_id: string;
  cost_nanos: number;
  ts_us: number;
  kind: ActionKind;
  model: string | null;
  provider: string | null;
  service_name: string | null;
  tags: string[];
  conversation_id: string | null;
  entities: Entities;
  json: string;
}

/** Per source, the last seq seen: everything at or before it is behind the position. */
export type TailPosition = ReadonlyMap<string, number>;

/**
 * New entries in the order they become visible (the stream route), read by
 * position: a store declares it only when it keeps an ingest order that a
 * position can resume from without gaps or repeats, late entries into old
 * time ranges included.
 */
export interface LedgerTail {
  /** The position after every entry visible now. */
  head(): TailPosition;
  /**
   * Up to `limit` entries after `from` (a source it lacks: from its start),
   * and with `until`, none past it (a source it lacks: none), per source in seq order.
   */
  read(from: TailPosition, limit: number, until?: TailPosition): TailEntry[];
  /** An opaque, URL- and header-safe text of a position; `decode` gives it back, or null for text it did not make. */
  encode(position: TailPosition): string;
  decode(text: string): TailPosition | null;
}

/**
 * What a backend declares it keeps (returned by `createStore` and each
 * backend's factory): the ledger and credentials always; agents (registry,
 * activity chains, organization policy, retention) only where the backend
 * implements them. A capability the store lacks is null, never an object
 * whose methods throw: the API answers its routes with a clear refusal
 * (query-api), and no caller has to guess.
 */
export interface Store {
  readonly ledger: LedgerStore;
  readonly credentials: CredentialStore;
  readonly agents: AgentStore | null;
  /** Saved searches (saved-search-store.ts); null where the backend keeps none. */
  readonly searches: SavedSearchStore | null;
  /** The ledger in ingest order, for the stream route; null where the backend keeps no such order (Elasticsearch). */
  readonly tail: LedgerTail | null;
  /** Resolves when the store can serve reads and writes; rejects with the reason otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}


/** A query this store cannot answer as asked (e.g. full-text search switched off): the caller's 400. */
export class UnsupportedQueryError extends Error {
  override name = 'UnsupportedQueryError';
}

/**
 * The backend cannot answer right now (unreachable, overloaded, a shard
 * failed, the search timed out): a 503 with the reason, never a partial or
 * low answer. Retrying later may succeed.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** A create whose id is taken: the unique constraint said no (SQLite's primary key, Elasticsearch's `op_type: create` 409). */
export class DuplicateIdError extends Error {
  override name = 'DuplicateIdError';
}

/** A failure that retrying cannot fix (bad data): dead-letter it instead of retrying. */
export class PermanentStoreError extends Error {
  override name = 'PermanentStoreError';
}
