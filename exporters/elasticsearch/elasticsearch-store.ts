import { readFileSync } from 'node:fs';
import { Client } from '@elastic/elasticsearch';
import type { EntryRecord, LedgerEntry } from '../../model/ledger-entry.js';
import type {
  LedgerFilter, LedgerKeyset, LedgerPage, LedgerQuery, LedgerStats, LedgerStore, QueryScope, RunDetail, RunPage, RunQuery, RunUser, StatsQuery, TimelineSummary, TimeseriesBucket, TimeseriesQuery,
  Store, WriteResult,
} from '../store.js';
import { DEFAULT_BULK_LIMITS, DEFAULT_RETRY, type RetryPolicy } from './bulk-retry.js';
import { systemClock } from '../sqlite/agent-row.js';
import { agentIndexNames, ensureAgentIndices } from './agents-indices.js';
import { ElasticsearchAgentStore } from './agents-store.js';
import { ElasticsearchCredentialStore } from './credential-store.js';
import type { EntryDocument } from './entry-document.js';
import { ElasticsearchSavedSearchStore } from './saved-search-store.js';
import { EntryWriter, type AcceptedWindow } from './entry-writer.js';
import { indexLayout, type IndexLayoutOptions } from './index-layout.js';
import { indexNames, type IndexNames } from './index-names.js';
import { LogMessageStore } from './log-messages.js';
import type { LogMessageRecord } from '../../model/log-message.js';
import { exportLedger, queryLedger, type ReaderOptions } from './ledger-reader.js';
import { getRun, listRuns } from './runs-reader.js';
import { rebuildLegacyRuns } from './runs-rebuild.js';
import { guarded, guardedWalk } from './search-guard.js';
import { ensureSchema } from './schema.js';
import { ensureRollupCoverage, type RollupCoverage } from './rollup-coverage.js';
import { statsScriptId } from './stats-rollups.js';
import { queryStats } from './stats-reader.js';
import { queryTimelineSummary } from './timeline-reader.js';
import { queryTimeseries } from './timeseries-reader.js';

/**
 * The scale-out store: Elasticsearch 9.x through @elastic/elasticsearch 9.x.
 * OpenSearch is not supported: it has no `wildcard` or `flattened` fields,
 * and the client refuses a server that is not Elasticsearch.
 */
export interface ElasticsearchStoreOptions extends IndexLayoutOptions {
  node: string;
  apiKey?: string;
  username?: string;
  password?: string;
  /** PEM file of the CA that signed the cluster's certificate. */
  caFile?: string;
  /** Every index, template and script name starts with this (default `agent-ledger`). */
  indexPrefix?: string;
  /** Entry bulks: false (default: reads see writes within the 1 s refresh interval) or 'wait_for' (resolve once searchable). */
  refresh?: false | 'wait_for';
  /** index.max_result_window: deeper pages and every export use a point in time (default 10,000). */
  maxResultWindow?: number;
  /** How long a point in time lives between two reads of a walk (an export, a deep page), renewed by each read: an Elasticsearch time unit, default `5m`. */
  pitKeepAlive?: string;
  retry?: Partial<RetryPolicy>;
  /** One `_bulk` at most this many bytes of NDJSON (default 10 MiB) and this many actions (default 5,000). */
  bulkMaxBytes?: number;
  bulkMaxActions?: number;
  /** Every request to the cluster gives up after this long (default 30 s); `ping` after at most 5 s. */
  requestTimeoutMs?: number;
  /** Entries starting outside it are refused for good (null or absent: any time). */
  window?: AcceptedWindow | null;
  /** Agents: the trust score's half-life (config `agents.trust_half_life_days`, default 30). */
  trustHalfLifeDays?: number;
  /** Retention of organizations that set none (config `retention.days`, default 400). */
  retentionDays?: number;
  /** µs since the epoch, for the agent store (tests move time with it). */
  now?: () => number;
  /** An existing client (tests pass one with a fake connection); the options above that configure a client are then unused. */
  client?: Client;
}

/**
 * The ledger, credentials and agents (agents-store.ts): `write` registers
 * agents and moves their counters and trust scores as the SQLite store's
 * does (README, "Agents in a store").
 */
export interface ElasticsearchStore extends Store {
  readonly credentials: ElasticsearchCredentialStore;
  readonly agents: ElasticsearchAgentStore;
  readonly searches: ElasticsearchSavedSearchStore;
  readonly tail: null;
  /** Makes every write searchable now (tests; operators after a bulk load). */
  refresh(): Promise<void>;
  /** Deletes this prefix's indices, template and script (tests). */
  deleteIndices(): Promise<void>;
}

/** For messages: a node URL may carry user:password. */
function withoutCredentials(node: string): string {
  try {
    const url = new URL(node);
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return '(elasticsearch_url)';
  }
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** /readyz must answer quickly even when the cluster does not. */
const PING_TIMEOUT_MS = 5_000;

function clientOf(o: ElasticsearchStoreOptions): Client {
  if (o.client) return o.client;
  const auth = o.apiKey ? { apiKey: o.apiKey } : o.username ? { username: o.username, password: o.password ?? '' } : undefined;
  return new Client({
    node: o.node,
    // the transport has no timeout of its own: a stalled cluster would hang writes, /readyz and queries
    requestTimeout: o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    ...(auth ? { auth } : {}),
    ...(o.caFile ? { tls: { ca: readFileSync(o.caFile) } } : {}),
  });
}

/** Reads: a cluster or connection failure is a StoreUnavailableError (the API's 503), never a partial answer (search-guard.ts). */
class ElasticsearchLedger implements LedgerStore {
  private readonly writer: EntryWriter;
  private readonly reader: ReaderOptions;
  /** From which hour stats read the rollups (rollup-coverage.ts): set at start-up, before any read. */
  coverage: RollupCoverage = { firstRolledHour: null };
  private readonly logs: LogMessageStore;

  constructor(
    private readonly client: Client,
    names: IndexNames,
    scriptId: string,
    options: ElasticsearchStoreOptions,
    afterCreate: (created: EntryRecord[]) => Promise<void>,
  ) {
    this.reader = { names, maxResultWindow: options.maxResultWindow ?? 10_000, pitKeepAlive: options.pitKeepAlive };
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    const refresh = options.refresh ?? false;
    const bulk = { maxBytes: options.bulkMaxBytes ?? DEFAULT_BULK_LIMITS.maxBytes, maxActions: options.bulkMaxActions ?? DEFAULT_BULK_LIMITS.maxActions };
    this.logs = new LogMessageStore(client, { names, retry, refresh, bulk, maxResultWindow: this.reader.maxResultWindow });
    this.writer = new EntryWriter(client, { names, scriptId, retry, refresh, bulk, window: options.window ?? null, logs: this.logs, afterCreate });
  }

  /** Counts stored entries afresh into runs retention deleted (entry-writer.ts). */
  recount(documents: readonly EntryDocument[]): Promise<void> {
    return this.writer.recount(documents);
  }

  /** Rebuilds the runs of an earlier version's index, if there is one (runs-rebuild.ts). */
  migrate(): Promise<number> {
    return rebuildLegacyRuns(this.client, this.reader.names, this.reader.maxResultWindow, (entries) => this.writer.rollUp(entries));
  }

  write(entries: EntryRecord[]): Promise<WriteResult> {
    return this.writer.write(entries);
  }

  /** GenAI events from OTLP logs: held, and joined to the entries of their spans (log-messages.ts). */
  writeLogMessages(messages: LogMessageRecord[]): Promise<void> {
    return this.logs.write(messages);
  }

  queryLedger(query: LedgerQuery): Promise<LedgerPage> {
    return guarded(() => queryLedger(this.client, this.reader, query));
  }

  exportLedger(filter: LedgerFilter, limit: number, after?: LedgerKeyset): AsyncIterable<LedgerEntry> {
    return guardedWalk(exportLedger(this.client, this.reader, filter, limit, after));
  }

  stats(query: StatsQuery): Promise<LedgerStats> {
    return guarded(() => queryStats(this.client, this.reader.names, query, this.coverage));
  }

  timeseries(query: TimeseriesQuery): Promise<TimeseriesBucket[]> {
    return guarded(() => queryTimeseries(this.client, this.reader.names, query, this.coverage));
  }

  listRuns(query: RunQuery): Promise<RunPage> {
    return guarded(() => listRuns(this.client, this.reader, query));
  }

  getRun(scope: QueryScope, runId: string, user?: RunUser): Promise<RunDetail | null> {
    return guarded(() => getRun(this.client, this.reader, scope, runId, user));
  }

  timelineSummary(filter: Omit<LedgerFilter, 'q'>): Promise<TimelineSummary> {
    return queryTimelineSummary(this.client, this.reader.names, filter);
  }
}

export async function createElasticsearchStore(options: ElasticsearchStoreOptions): Promise<ElasticsearchStore> {
  const names = indexNames(options.indexPrefix ?? 'agent-ledger');
  const client = clientOf(options);
  const scriptId = `${names.prefix}-run-rollup`;
  const agentNames = agentIndexNames(names);
  let agents: ElasticsearchAgentStore | null = null;
  const ledger = new ElasticsearchLedger(client, names, scriptId, options, (created) => agents!.ingest(created));
  agents = new ElasticsearchAgentStore(
    {
      client,
      names: agentNames,
      maxResultWindow: options.maxResultWindow ?? 10_000,
      settings: { trust_half_life_days: options.trustHalfLifeDays ?? 30, retention_days: options.retentionDays ?? 400, now: options.now ?? systemClock },
    },
    names,
    (documents) => ledger.recount(documents),
  );
  try {
    const layout = indexLayout(options);
    await ensureSchema(client, names, scriptId, layout);
    await ensureAgentIndices(client, agentNames, layout);
    ledger.coverage = await ensureRollupCoverage(client, names, options.now ? Math.floor(options.now() / 1000) : Date.now());
    await ledger.migrate();
  } catch (err) {
    await client.close().catch(() => undefined);
    throw new Error(`elasticsearch at ${withoutCredentials(options.node)}: cannot set up the indices: ${(err as Error).message}`, { cause: err });
  }
  return {
    ledger,
    credentials: new ElasticsearchCredentialStore(client, names),
    agents,
    searches: new ElasticsearchSavedSearchStore(client, names),
    // no ingest-order field to resume a stream by: the stream route is refused (README, "Live tail")
    tail: null,
    async ping() {
      // the runs index exists from start-up on; its absence means the cluster lost our schema
      const timeout = Math.min(PING_TIMEOUT_MS, options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
      if (!(await client.indices.exists({ index: names.runs }, { requestTimeout: timeout, maxRetries: 0 }))) throw new Error(`elasticsearch: index ${names.runs} is missing`);
    },
    async refresh() {
      await client.indices.refresh({ index: `${names.prefix}-*`, ignore_unavailable: true });
    },
    async deleteIndices() {
      // by concrete name: wildcard deletes are refused by default (action.destructive_requires_name)
      const indices = Object.keys(await client.indices.get({ index: `${names.prefix}-*`, ignore_unavailable: true }));
      for (const index of indices) await client.indices.delete({ index }, { ignore: [404] });
      await client.indices.deleteIndexTemplate({ name: names.entriesTemplate }, { ignore: [404] });
      await client.deleteScript({ id: scriptId }, { ignore: [404] });
      await client.deleteScript({ id: statsScriptId(names) }, { ignore: [404] });
    },
    close: () => client.close(),
  };
}
