import { errors } from '@elastic/elasticsearch';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../auth/authenticator.js';
import { createRateLimiter } from '../../auth/rate-limit/index.js';
import { createElasticsearchStore, type ElasticsearchStore } from '../../exporters/elasticsearch/elasticsearch-store.js';
import { StoreUnavailableError, UnsupportedQueryError, type CredentialStore, type LedgerStore } from '../../exporters/store.js';
import { createQueryApi } from '../../query-api/query-api.js';
import { parseSearchQuery } from '../../model/search-query.js';
import { generateEntries } from '../conformance/dataset.js';
import { ElasticsearchEmulator } from './elasticsearch-emulator.js';
import { fakeClient, type FakeReply, type SentRequest } from './elasticsearch-fake-client.js';

/**
 * What the Elasticsearch store's reads do when the cluster cannot answer in
 * full: refuse (StoreUnavailableError, the API's 503) rather than answer
 * low. On the in-memory emulator with injected faults, NOT a real cluster.
 */
const scope = { organization_id: null };
const entries = generateEntries();

type Override = (req: SentRequest) => FakeReply | null;

async function emulated(options: { window?: number; pitKeepAlive?: string } = {}) {
  const emulator = new ElasticsearchEmulator({ maxResultWindow: options.window ?? 10_000 });
  // a test may answer some requests itself (a cluster error), the emulator answers the rest
  let override: Override = () => null;
  const fake = fakeClient((req) => override(req) ?? emulator.handle(req));
  const store = await createElasticsearchStore({ node: 'unused', client: fake.client, maxResultWindow: options.window, pitKeepAlive: options.pitKeepAlive });
  await store.ledger.write(entries);
  await store.refresh();
  return { emulator, store, requests: fake.requests, fail: (o: Override) => (override = o) };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Every read of the ledger the query API makes. */
function everyRead(store: ElasticsearchStore): Array<[string, () => Promise<unknown>]> {
  const runId = entries[0].run_id;
  return [
    ['ledger page', () => store.ledger.queryLedger({ scope, sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 50 })],
    ['ledger keyset page', () => store.ledger.queryLedger({ scope, sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 50, after: { key: Number.MAX_SAFE_INTEGER, id: 'z' } })],
    ['export', () => collect(store.ledger.exportLedger({ scope }, 10_000))],
    ['stats', () => store.ledger.stats({ scope })],
    ['time series', () => store.ledger.timeseries({ scope, interval: 'day', start_us: entries[0].start_us - 86_400e6, end_us: entries[0].start_us + 86_400e6 })],
    ['runs', () => store.ledger.listRuns({ scope, sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 50 })],
    ['run', () => store.ledger.getRun(scope, runId)],
  ];
}

describe('elasticsearch reads on a cluster that answers in part (emulated)', () => {
  it('a failed shard: every read is refused, none answers from the other shard', async () => {
    const { emulator, store, requests } = await emulated();
    const full = await store.ledger.queryLedger({ scope, sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 10 });
    emulator.reads.faults.shardFailures = 1;
    for (const [name, read] of everyRead(store)) {
      await expect(read(), name).rejects.toThrow(StoreUnavailableError);
      await expect(read(), name).rejects.toThrow(/node_disconnected_exception/);
    }
    // the emulator does answer low when a request allows it: that is what the store must never accept
    const { client } = fakeClient(emulator.handle);
    const partial = await client.search({ index: 'agent-ledger-entries-*', track_total_hits: true, size: 0 });
    expect(partial._shards.failed).toBe(1);
    expect((partial.hits.total as { value: number }).value).toBeLessThan(full.count);
    // every search and point in time the store sent asked for a whole answer
    const reads = requests.filter((r) => r.path.endsWith('/_search') || r.path.endsWith('/_pit') || r.path === '/_search');
    expect(reads.length).toBeGreaterThan(10);
    for (const r of reads) expect(new URLSearchParams(r.querystring).get('allow_partial_search_results'), r.path).toBe('false');
    // and once the shard is back, the answers are whole again
    emulator.reads.faults.shardFailures = 0;
    expect((await store.ledger.queryLedger({ scope, sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 10 })).count).toBe(entries.length);
  });

  it('a partial answer that comes back anyway (200 with _shards.failed) is refused by its _shards', async () => {
    const { emulator, store, fail } = await emulated();
    emulator.reads.faults.shardFailures = 1;
    // a cluster (or proxy) that ignores allow_partial_search_results=false
    fail((req) => emulator.handle({ ...req, querystring: req.querystring.replace('allow_partial_search_results=false', '') }));
    for (const [name, read] of everyRead(store)) await expect(read(), name).rejects.toThrow(/1 of 2 shard\(s\) failed \(node_disconnected_exception\); refusing a partial answer/);
  });

  it('a search that timed out (timed_out: true, part of the hits) is refused too', async () => {
    const { emulator, store } = await emulated();
    emulator.reads.faults.timedOut = true;
    for (const [name, read] of everyRead(store)) await expect(read(), name).rejects.toThrow(/timed out/);
  });
});

describe('elasticsearch cluster errors on reads', () => {
  const page = (store: ElasticsearchStore) => store.ledger.queryLedger({ scope, sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 10 });
  const onSearch = (reply: () => FakeReply) => (req: SentRequest) => (req.path.endsWith('_search') ? reply() : null);

  it('429, 5xx, a refused connection and a client timeout are StoreUnavailableError', async () => {
    const { store, fail } = await emulated();
    const cases: Array<[string, () => FakeReply]> = [
      ['429', () => ({ status: 429, body: { error: { type: 'es_rejected_execution_exception', reason: 'rejected execution' }, status: 429 } })],
      ['502', () => ({ status: 502, body: 'Bad Gateway' })],
      ['503', () => ({ status: 503, body: { error: { type: 'search_phase_execution_exception', reason: 'all shards failed' }, status: 503 } })],
      ['connection refused', () => { throw new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200'); }],
      ['client timeout', () => { throw new errors.TimeoutError('Request timed out'); }],
    ];
    for (const [name, reply] of cases) {
      fail(onSearch(reply));
      await expect(page(store), name).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(collect(store.ledger.exportLedger({ scope }, 10)), name).rejects.toBeInstanceOf(StoreUnavailableError);
    }
  });

  it('a query too large for the cluster (too many clauses) is the caller\'s 400; another 400 stays an error of ours', async () => {
    const { store, fail } = await emulated();
    fail(onSearch(() => ({ status: 400, body: { error: { root_cause: [{ type: 'too_many_nested_clauses', reason: 'Query contains too many nested clauses; maxClauseCount is set to 4096' }], type: 'search_phase_execution_exception', reason: 'all shards failed' }, status: 400 } })));
    await expect(page(store)).rejects.toBeInstanceOf(UnsupportedQueryError);
    fail(onSearch(() => ({ status: 400, body: { error: { type: 'parsing_exception', reason: 'unknown query [nope]' }, status: 400 } })));
    const err = await page(store).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(errors.ResponseError);
  });

  it('reach a client of the query API as 503 with Retry-After and a stable body, and a warning in the log', async () => {
    const { store, fail } = await emulated();
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
    const noCalls = new Proxy({}, { get: () => () => Promise.reject(new Error('the credential store must not be called')) });
    const api = createQueryApi({
      host: '127.0.0.1', port: 0, ledger: store.ledger as LedgerStore, logger,
      authenticator: createAuthenticator({ store: noCalls as CredentialStore, pepper: 'p', jwt: null, cacheSeconds: 0, anonymousOrganization: 'default' }),
      rateLimiter: createRateLimiter({ limits: { query_per_hour: 1e9, export_per_hour: 1e9, stats_per_hour: 1e9, ingest_per_hour: 1e9 }, redisUrl: null }),
      readiness: [], redaction: null, agents: { agents: null, redaction: null, maxMetadataBytes: 1024 },
    });
    await api.start();
    try {
      fail(onSearch(() => { throw new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200'); }));
      for (const path of ['/api/v1/ledger', '/api/v1/ledger/stats', '/api/v1/runs']) {
        const res = await fetch(`http://127.0.0.1:${api.port()}${path}`);
        expect(res.status, path).toBe(503);
        expect(res.headers.get('retry-after'), path).toBe('5');
        expect(await res.json(), path).toEqual({ error: { code: 'INTERNAL', message: 'elasticsearch is unavailable: cannot connect to the cluster' } });
      }
      expect(lines.filter((l) => l.includes('the store is unavailable')).length).toBe(3);
      expect(lines.some((l) => l.includes('"level":50'))).toBe(false);
    } finally {
      await api.close();
    }
  });
});

describe('elasticsearch points in time (emulated clock)', () => {
  const PAUSE_MS = 4 * 60_000;

  /** An export read by a client that pauses between every chunk the store reads. */
  async function slowExport(emulator: ElasticsearchEmulator, store: ElasticsearchStore, chunk: number) {
    let n = 0;
    for await (const _ of store.ledger.exportLedger({ scope }, 10_000)) if (++n % chunk === 0) emulator.reads.now += PAUSE_MS;
    return n;
  }

  it('an export that pauses 4 minutes between chunks keeps its point in time (renewed by each read, 5m by default)', async () => {
    const { emulator, store, requests } = await emulated({ window: 25 });
    expect(await slowExport(emulator, store, 25)).toBe(entries.length);
    const pitSearches = requests.filter((r) => r.path === '/_search');
    expect(pitSearches.length).toBeGreaterThan(2);
    for (const r of pitSearches) expect(r.body.pit.keep_alive).toBe('5m');
    expect(emulator.reads.openPits).toBe(0);
  });

  it('a keep-alive shorter than the pause: the export fails with 503, not a silently short file', async () => {
    const { emulator, store } = await emulated({ window: 25, pitKeepAlive: '1m' });
    await expect(slowExport(emulator, store, 25)).rejects.toThrow(/point in time expired/);
  });

  it('an export abandoned part-way closes its point in time', async () => {
    const { emulator, store } = await emulated({ window: 25 });
    for await (const _ of store.ledger.exportLedger({ scope }, 10_000)) {
      expect(emulator.reads.openPits).toBe(1);
      break;
    }
    expect(emulator.reads.openPits).toBe(0);
  });
});

describe('the emulator is near real time, as a cluster is', () => {
  it('a search sees a write only after a refresh; a get sees it at once', async () => {
    const emulator = new ElasticsearchEmulator();
    const { client } = fakeClient(emulator.handle);
    const store = await createElasticsearchStore({ node: 'unused', client });
    await store.ledger.write(entries.slice(0, 5));
    const page = () => store.ledger.queryLedger({ scope, sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 10 });
    expect((await page()).count).toBe(0);
    expect((await client.mget({ index: 'agent-ledger-runs-by-user', ids: ['x'] })).docs).toHaveLength(1);
    await store.refresh();
    expect((await page()).count).toBe(5);
  });
});

describe('runs `q` matching more runs than an ids query may hold', () => {
  it('lists 10,001 runs: the ids go in chunks within max_result_window (10,000), which the emulator enforces', async () => {
    const emulator = new ElasticsearchEmulator();
    const { client, requests } = fakeClient(emulator.handle);
    const store = await createElasticsearchStore({ node: 'unused', client });
    const base = { ...entries.find((e) => e.parent_span_id === null)!, name: 'refund_lookup' };
    const many = Array.from({ length: 10_001 }, (_, i) => {
      const hex = i.toString(16).padStart(12, '0');
      return { ...base, id: `00000000-0000-4000-8000-${hex}`, run_id: `10000000-0000-4000-8000-${hex}`, span_id: hex.padStart(16, '0'), start_us: base.start_us + i };
    });
    await store.ledger.write(many);
    await store.refresh();
    const sent = requests.length;
    const page = await store.ledger.listRuns({ scope, q: parseSearchQuery('refund_lookup'), sort_by: 'timestamp', sort_order: 'asc', page: 0, page_size: 5 });
    expect(page.count).toBe(10_001);
    expect(page.data.map((r) => r.id)).toEqual(many.slice(0, 5).map((e) => e.run_id));
    const runsSearch = requests.slice(sent).find((r) => r.path === '/agent-ledger-runs-by-user/_search')!;
    const idQueries = JSON.stringify(runsSearch.body.query).match(/"ids"/g)!;
    expect(idQueries.length).toBe(2);
  }, 60_000);
});

describe('the result window', () => {
  it('the emulator refuses from + size past index.max_result_window; the store\'s deep pages never reach it', async () => {
    const { store, requests } = await emulated({ window: 25 });
    const { client } = fakeClient(new ElasticsearchEmulator({ maxResultWindow: 25 }).handle);
    await client.indices.create({ index: 'agent-ledger-entries-2025.01' });
    await expect(client.search({ index: 'agent-ledger-entries-*', from: 20, size: 6 })).rejects.toThrow(/Result window is too large/);
    const deep = await store.ledger.queryLedger({ scope, sort_by: 'cost', sort_order: 'desc', page: 3, page_size: 20 });
    expect(deep.count).toBe(entries.length);
    expect(deep.data).toHaveLength(Math.min(20, entries.length - 60));
    for (const r of requests.filter((q) => q.path.endsWith('_search'))) expect((r.body.from ?? 0) + (r.body.size ?? 10)).toBeLessThanOrEqual(25);
  });
});
