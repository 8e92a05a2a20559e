import { join, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import { createElasticsearchStore, type ElasticsearchStoreOptions } from './elasticsearch/elasticsearch-store.js';
import { createSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export interface CreateStoreOptions {
  /** SQLite: `thread` (the server's writer), `inline` (tools and tests that write), `none` (processes that never write entries). */
  writer?: 'thread' | 'inline' | 'none';
  /** Progress of a long start (SQLite: a single-file ledger moving into partitions). */
  log?: (message: string) => void;
}

/**
 * The one place a backend is chosen (DESIGN.md "Running modes"):
 * Elasticsearch when `elasticsearch_url` (ELASTICSEARCH_URL) is set, else
 * the embedded SQLite database in `data_dir`.
 */
export async function createStore(config: Config, options: CreateStoreOptions = {}): Promise<Store> {
  if (config.elasticsearch_url) return createElasticsearchStore(elasticsearchStoreOptions(config, config.elasticsearch_url));
  return createSqliteStore({
    file: join(resolve(config.data_dir), 'ledger.db'),
    synchronous: config.sqlite.synchronous,
    fulltext: config.sqlite.fulltext,
    writerCacheMib: config.sqlite.writer_cache_mib,
    writer: options.writer ?? 'thread',
    trustHalfLifeDays: config.agents.trust_half_life_days,
    retentionDays: config.retention.days,
    log: options.log,
  });
}

/** The Elasticsearch store's options from the configuration (`elasticsearch.*`). */
export function elasticsearchStoreOptions(config: Config, node: string): ElasticsearchStoreOptions {
  const es = config.elasticsearch;
  return {
    node,
    apiKey: es.api_key ?? undefined,
    username: es.username ?? undefined,
    password: es.password ?? undefined,
    caFile: es.ca_file ?? undefined,
    indexPrefix: es.index_prefix,
    shards: es.shards,
    replicas: es.replicas,
    entriesShards: es.entries_shards,
    entriesReplicas: es.entries_replicas,
    runsShards: es.runs_shards,
    runsReplicas: es.runs_replicas,
    runMarkersShards: es.run_markers_shards,
    runMarkersReplicas: es.run_markers_replicas,
    agentsShards: es.agents_shards,
    agentsReplicas: es.agents_replicas,
    entriesRefreshInterval: es.entries_refresh_interval,
    ilmPolicy: es.ilm_policy,
    bulkMaxBytes: es.bulk_max_bytes,
    bulkMaxActions: es.bulk_max_actions,
    requestTimeoutMs: es.request_timeout_ms,
    refresh: es.refresh_wait_for ? 'wait_for' : false,
    window: { maxSpanAgeDays: config.otlp.max_span_age_days, maxFutureSkewSeconds: config.otlp.max_future_skew_seconds },
    pitKeepAlive: es.pit_keep_alive,
    trustHalfLifeDays: config.agents.trust_half_life_days,
    retentionDays: config.retention.days,
  };
}
