import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { elasticsearchPrefixFor } from '../helpers/server-process.js';
import { agentsOf } from '../../exporters/agent-store.js';
import { createElasticsearchStore } from '../../exporters/elasticsearch/elasticsearch-store.js';
import { runDocId } from '../../exporters/elasticsearch/index-names.js';
import { UnsupportedQueryError } from '../../exporters/store.js';
import { parseSearchQuery } from '../../model/search-query.js';
import { fakeClient, searchReply, type FakeHandler } from './elasticsearch-fake-client.js';

const ok: FakeHandler = (req) => {
  if (req.path.startsWith('/_index_template') || req.path.startsWith('/_scripts')) return { body: { acknowledged: true } };
  // every index already at this release's mapping version
  if (req.path.endsWith('/_mapping')) return req.method === 'GET' ? { body: {} } : { body: { acknowledged: true } };
  if (req.method === 'PUT') return { status: 400, body: { error: { type: 'resource_already_exists_exception', reason: 'exists' }, status: 400 } };
  // rollups kept since the cluster was new (rollup-coverage.ts)
  if (req.path.endsWith('-rollups/_doc/coverage')) return { body: { _id: 'coverage', found: true, _source: { first_rolled_hour: null, created_at: 0 } } };
  // no runs index of an earlier version
  if (req.method === 'HEAD') return { status: 404, body: '' };
  return searchReply([], 0);
};

describe('createElasticsearchStore', () => {
  it('puts the entry template and the rollup script, and creates the fixed indices (an existing one is fine)', async () => {
    const { client, requests } = fakeClient(ok);
    const store = await createElasticsearchStore({ node: 'unused', client, indexPrefix: 'ledger-test' });
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /_index_template/ledger-test-entries',
      'PUT /_index_template/ledger-test-entries',
      'PUT /_scripts/ledger-test-run-rollup',
      'PUT /_scripts/ledger-test-stats-rollup',
      'GET /ledger-test-entries-*/_mapping',
      'PUT /ledger-test-runs-by-user',
      'GET /ledger-test-runs-by-user/_mapping',
      'PUT /ledger-test-run-applied',
      'GET /ledger-test-run-applied/_mapping',
      'PUT /ledger-test-rollups',
      'GET /ledger-test-rollups/_mapping',
      'PUT /ledger-test-organizations',
      'GET /ledger-test-organizations/_mapping',
      'PUT /ledger-test-api-keys',
      'GET /ledger-test-api-keys/_mapping',
      'PUT /ledger-test-log-messages',
      'GET /ledger-test-log-messages/_mapping',
      'PUT /ledger-test-saved-searches',
      'GET /ledger-test-saved-searches/_mapping',
      'PUT /ledger-test-agents',
      'GET /ledger-test-agents/_mapping',
      'PUT /ledger-test-agent-keys',
      'GET /ledger-test-agent-keys/_mapping',
      'PUT /ledger-test-agent-usage',
      'GET /ledger-test-agent-usage/_mapping',
      'PUT /ledger-test-activity',
      'GET /ledger-test-activity/_mapping',
      'PUT /ledger-test-activity-tombstones',
      'GET /ledger-test-activity-tombstones/_mapping',
      'PUT /ledger-test-agent-lifecycle',
      'GET /ledger-test-agent-lifecycle/_mapping',
      'PUT /ledger-test-organization-policies',
      'GET /ledger-test-organization-policies/_mapping',
      'GET /ledger-test-rollups/_doc/coverage',
      'HEAD /ledger-test-runs',
    ]);
    expect(requests[2].body.script).toMatchObject({ lang: 'painless' });
    await store.close();
  });

  it('fails start-up on any other error', async () => {
    const { client } = fakeClient((req) => (req.path.startsWith('/_index_template') ? { status: 403, body: { error: { type: 'security_exception', reason: 'no' }, status: 403 } } : ok(req)));
    await expect(createElasticsearchStore({ node: 'unused', client })).rejects.toThrow(/security_exception/);
  });

  it('declares agents (registry, activity, retention): callers use them instead of refusing', async () => {
    const { client } = fakeClient(ok);
    const store = await createElasticsearchStore({ node: 'unused', client });
    expect(store.agents).not.toBeNull();
    expect(agentsOf(store)).toBe(store.agents);
    // a store that declares none is still refused with the reason
    expect(() => agentsOf({ agents: null })).toThrow(UnsupportedQueryError);
  });

  it('lists the runs q matched through a composite of (organization, run, user) over matching entries', async () => {
    const buckets = [{ key: { org: 'o', run: 'r1', user: null }, doc_count: 2 }, { key: { org: 'o', run: 'r1', user: 'alice' }, doc_count: 1 }];
    const { client, requests } = fakeClient((req) => {
      if (req.path.endsWith('/_search') && req.body.aggs?.runs) {
        return searchReply([], 1, { aggregations: { runs: { after_key: buckets[1].key, buckets } } });
      }
      return ok(req);
    });
    const store = await createElasticsearchStore({ node: 'unused', client });
    await store.ledger.listRuns({ scope: { organization_id: 'o' }, q: parseSearchQuery('refund'), sort_by: 'cost', sort_order: 'asc', page: 0, page_size: 10 });
    const composite = requests.find((r) => r.body?.aggs?.runs)!.body.aggs.runs.composite;
    // entries with no user are a run of their own: a bucket, not left out
    expect(composite.sources[2]).toEqual({ user: { terms: { field: 'user_id', missing_bucket: true } } });
    const runsSearch = requests.find((r) => r.path === '/agent-ledger-runs-by-user/_search')!;
    expect(runsSearch.body.query.bool.filter).toContainEqual({ ids: { values: [runDocId('o', 'r1', null), runDocId('o', 'r1', 'alice')] } });
    expect(runsSearch.body.sort).toEqual([
      { cost_nanos: { order: 'asc' } }, { run_id: { order: 'asc' } }, { user_key: { order: 'asc' } }, { organization_id: { order: 'asc' } },
    ]);
    expect(runsSearch.body._source).toEqual({ excludes: expect.arrayContaining(['applied']) });
  });

  it('revokes a key only if nobody changed it in between (if_seq_no / if_primary_term)', async () => {
    const { client, requests } = fakeClient((req) => {
      if (req.path === '/agent-ledger-api-keys/_search') return searchReply([{ _id: 'k1', _seq_no: 4, _primary_term: 1 } as never]);
      if (req.path.startsWith('/agent-ledger-api-keys/_update/')) return { body: { result: 'updated' } };
      return ok(req);
    });
    const store = await createElasticsearchStore({ node: 'unused', client });
    expect(await store.credentials.revokeApiKey('alk_123')).toBe(true);
    const update = requests.find((r) => r.path.startsWith('/agent-ledger-api-keys/_update/'))!;
    expect(update.querystring).toMatch(/if_seq_no=4/);
    expect(update.querystring).toMatch(/if_primary_term=1/);
    expect(update.querystring).toMatch(/refresh=wait_for/);
  });
});

describe('elasticsearch configuration', () => {
  it('reads ELASTICSEARCH_URL and the elasticsearch.* keys', () => {
    const config = loadConfig({ env: { ELASTICSEARCH_URL: 'https://es.example:9200', AGENT_LEDGER_ELASTICSEARCH_API_KEY: 'k', AGENT_LEDGER_ELASTICSEARCH_INDEX_PREFIX: 'ledger' } });
    expect(config.elasticsearch_url).toBe('https://es.example:9200');
    expect(config.elasticsearch).toMatchObject({ api_key: 'k', index_prefix: 'ledger', username: null, ca_file: null });
  });

  it('defaults to no Elasticsearch (the embedded SQLite store) and names a bad prefix', () => {
    expect(loadConfig({ env: {} }).elasticsearch_url).toBeNull();
    expect(() => loadConfig({ env: { AGENT_LEDGER_ELASTICSEARCH_INDEX_PREFIX: 'Bad*' } })).toThrow(/elasticsearch.index_prefix|ELASTICSEARCH_INDEX_PREFIX/);
  });

  it('keeps a point in time 5m between reads by default; another Elasticsearch time is accepted, anything else named', () => {
    expect(loadConfig({ env: {} }).elasticsearch.pit_keep_alive).toBe('5m');
    expect(loadConfig({ env: { AGENT_LEDGER_ELASTICSEARCH_PIT_KEEP_ALIVE: '20m' } }).elasticsearch.pit_keep_alive).toBe('20m');
    for (const bad of ['0m', '5', '5 minutes', '1d', '-1m', '5m;', '05m']) {
      expect(() => loadConfig({ env: { AGENT_LEDGER_ELASTICSEARCH_PIT_KEEP_ALIVE: bad } }), bad).toThrow(/pit_keep_alive|PIT_KEEP_ALIVE/);
    }
  });

  it('gives every test server its own valid index prefix, the same across a restart on its data directory', () => {
    const a = elasticsearchPrefixFor('/tmp/ledger-e2e-a');
    expect(a).toBe(elasticsearchPrefixFor('/tmp/ledger-e2e-a'));
    expect(a).not.toBe(elasticsearchPrefixFor('/tmp/ledger-e2e-b'));
    expect(loadConfig({ env: { AGENT_LEDGER_ELASTICSEARCH_INDEX_PREFIX: a } }).elasticsearch.index_prefix).toBe(a);
  });
});
