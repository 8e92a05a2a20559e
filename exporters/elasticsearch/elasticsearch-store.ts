import { readFileSync } from 'node:fs';
import { Client } from '@elastic/elasticsearch';
import type { EntryRecord, LedgerEntry } from '../../model/ledger-entry.js';
import type {
  ApiKeyRecord, LedgerFilter, LedgerKeyset, LedgerPage, LedgerQuery, LedgerStats, Organization, QueryScope, RunDetail, RunPage, RunQuery, RunUser, StatsQuery,
  Store, StoredApiKey, WriteResult,
} from '../store.js';
import type { AgentStore } from '../agent-store.js';
import { UnsupportedAgentStore } from './agents-unsupported.js';
import { DEFAULT_RETRY, type RetryPolicy } from './bulk-retry.js';
import { ElasticsearchCredentialStore } from './credential-store.js';
import { EntryWriter } from './entry-writer.js';
import { indexNames, type IndexNames } from './index-names.js';
import { exportLedger, queryLedger, type ReaderOptions } from './ledger-reader.js';
import { getRun, listRuns } from './runs-reader.js';
import { rebuildLegacyRuns } from './runs-rebuild.js';
import { ensureSchema } from './schema.js';
import { queryStats } from './stats-reader.js';

/**
 * The scale-out store: Elasticsearch 9.x through @elastic/elasticsearch 9.x.
 * OpenSearch is not supported: it has no `wildcard` or `flattened` fields,
 * and the client refuses a server that is not Elasticsearch.
 */
export interface ElasticsearchStoreOptions {
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
  /** Primary shards per monthly entry index (default 1; see the README's sizing notes). */
  shards?: number;
  replicas?: number | null;
  /** index.max_result_window: deeper pages and every export use a point in time (default 10,000). */
  maxResultWindow?: number;
  retry?: Partial<RetryPolicy>;
  /** An existing client (tests pass one with a fake connection); the options above that configure a client are then unused. */
  client?: Client;
}

export interface ElasticsearchStore extends Store, AgentStore {
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

function clientOf(o: ElasticsearchStoreOptions): Client {
  if (o.client) return o.client;
  const auth = o.apiKey ? { apiKey: o.apiKey } : o.username ? { username: o.username, password: o.password ?? '' } : undefined;
  return new Client({ node: o.node, ...(auth ? { auth } : {}), ...(o.caFile ? { tls: { ca: readFileSync(o.caFile) } } : {}) });
}

class ElasticsearchStoreImpl extends UnsupportedAgentStore implements ElasticsearchStore {
  private readonly writer: EntryWriter;
  private readonly credentials: ElasticsearchCredentialStore;
  private readonly reader: ReaderOptions;

  constructor(
    private readonly client: Client,
    private readonly names: IndexNames,
    private readonly scriptId: string,
    options: ElasticsearchStoreOptions,
  ) {
    super();
    this.reader = { names, maxResultWindow: options.maxResultWindow ?? 10_000 };
    this.writer = new EntryWriter(client, { names, scriptId, retry: { ...DEFAULT_RETRY, ...options.retry }, refresh: options.refresh ?? false });
    this.credentials = new ElasticsearchCredentialStore(client, names);
  }

  /** Rebuilds the runs of an earlier version's index, if there is one (runs-rebuild.ts). */
  migrate(): Promise<number> {
    return rebuildLegacyRuns(this.client, this.names, this.reader.maxResultWindow, (entries) => this.writer.rollUp(entries));
  }

  write(entries: EntryRecord[]): Promise<WriteResult> {
    return this.writer.write(entries);
  }

  queryLedger(query: LedgerQuery): Promise<LedgerPage> {
    return queryLedger(this.client, this.reader, query);
  }

  exportLedger(filter: LedgerFilter, limit: number, after?: LedgerKeyset): AsyncIterable<LedgerEntry> {
    return exportLedger(this.client, this.reader, filter, limit, after);
  }

  stats(query: StatsQuery): Promise<LedgerStats> {
    return queryStats(this.client, this.names, query);
  }

  listRuns(query: RunQuery): Promise<RunPage> {
    return listRuns(this.client, this.reader, query);
  }

  getRun(scope: QueryScope, runId: string, user?: RunUser): Promise<RunDetail | null> {
    return getRun(this.client, this.reader, scope, runId, user);
  }

  createOrganization(org: { id: string; name: string }): Promise<Organization> {
    return this.credentials.createOrganization(org);
  }

  getOrganization(id: string): Promise<Organization | null> {
    return this.credentials.getOrganization(id);
  }

  listOrganizations(): Promise<Organization[]> {
    return this.credentials.listOrganizations();
  }

  createApiKey(key: StoredApiKey): Promise<void> {
    return this.credentials.createApiKey(key);
  }

  findApiKeysByPrefix(prefix: string): Promise<StoredApiKey[]> {
    return this.credentials.findApiKeysByPrefix(prefix);
  }

  listApiKeys(organizationId: string | null): Promise<ApiKeyRecord[]> {
    return this.credentials.listApiKeys(organizationId);
  }

  revokeApiKey(idOrPrefix: string): Promise<boolean> {
    return this.credentials.revokeApiKey(idOrPrefix);
  }

  countApiKeys(): Promise<number> {
    return this.credentials.countApiKeys();
  }

  async ping(): Promise<void> {
    // the runs index exists from start-up on; its absence means the cluster lost our schema
    if (!(await this.client.indices.exists({ index: this.names.runs }))) throw new Error(`elasticsearch: index ${this.names.runs} is missing`);
  }

  async refresh(): Promise<void> {
    await this.client.indices.refresh({ index: `${this.names.prefix}-*`, ignore_unavailable: true });
  }

  async deleteIndices(): Promise<void> {
    // by concrete name: wildcard deletes are refused by default (action.destructive_requires_name)
    const indices = Object.keys(await this.client.indices.get({ index: `${this.names.prefix}-*`, ignore_unavailable: true }));
    for (const index of indices) await this.client.indices.delete({ index }, { ignore: [404] });
    await this.client.indices.deleteIndexTemplate({ name: this.names.entriesTemplate }, { ignore: [404] });
    await this.client.deleteScript({ id: this.scriptId }, { ignore: [404] });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

export async function createElasticsearchStore(options: ElasticsearchStoreOptions): Promise<ElasticsearchStore> {
  const names = indexNames(options.indexPrefix ?? 'agent-ledger');
  const client = clientOf(options);
  const scriptId = `${names.prefix}-run-rollup`;
  const store = new ElasticsearchStoreImpl(client, names, scriptId, options);
  try {
    await ensureSchema(client, names, scriptId, { shards: options.shards ?? 1, replicas: options.replicas ?? null });
    await store.migrate();
  } catch (err) {
    await client.close().catch(() => undefined);
    throw new Error(`elasticsearch at ${withoutCredentials(options.node)}: cannot set up the indices: ${(err as Error).message}`, { cause: err });
  }
  return store;
}
