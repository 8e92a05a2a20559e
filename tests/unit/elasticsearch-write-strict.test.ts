import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { bootstrapCredentials } from '../../auth/bootstrap.js';
import { DeadLetterDir } from '../../collector/queue/dead-letter-dir.js';
import { createInProcessQueue } from '../../collector/queue/in-process-queue.js';
import { loadConfig } from '../../config/index.js';
import { createElasticsearchStore } from '../../exporters/elasticsearch/elasticsearch-store.js';
import { generateEntries } from '../conformance/dataset.js';
import { normalizeOne } from '../helpers/normalize-spans.js';
import { ElasticsearchEmulator } from './elasticsearch-emulator.js';
import { fakeClient } from './elasticsearch-fake-client.js';

/**
 * The emulator's write side refuses what a cluster refuses (so the store's
 * tests meet those refusals here), and the ingest path around the store
 * survives them. Emulated, NOT a real cluster.
 */
const silent = pino({ level: 'silent' });

function rawClient(emulator = new ElasticsearchEmulator()) {
  return { emulator, client: fakeClient(emulator.handle).client };
}

async function withIndex(mappings: Record<string, unknown>) {
  const { emulator, client } = rawClient();
  await client.indices.create({ index: 'strict', mappings: { dynamic: 'strict', properties: mappings } as never });
  return { emulator, client };
}

describe('the emulator refuses what a cluster refuses', () => {
  it('under dynamic strict: an unmapped field, a long out of range, a value of the wrong type, an immense keyword term', async () => {
    const { client } = await withIndex({ n: { type: 'long' }, i: { type: 'integer' }, k: { type: 'keyword' }, b: { type: 'boolean' } });
    let n = 0;
    const refused = async (document: Record<string, unknown>) => {
      const r = await client.bulk({ operations: [{ create: { _index: 'strict', _id: String(++n) } }, document] });
      return r.items[0].create!.error?.type ?? null;
    };
    expect(await refused({ other: 1 })).toBe('strict_dynamic_mapping_exception');
    expect(await refused({ n: 1e300 })).toBe('document_parsing_exception');
    expect(await refused({ n: 9.3e18 })).toBe('document_parsing_exception');
    expect(await refused({ n: '12' })).toBeNull();
    expect(await refused({ i: 2 ** 31 })).toBe('document_parsing_exception');
    expect(await refused({ b: 'yes' })).toBe('document_parsing_exception');
    expect(await refused({ k: { nested: true } })).toBe('document_parsing_exception');
    expect(await refused({ k: 'x'.repeat(32_767) })).toBe('document_parsing_exception');
    expect(await refused({ n: 5, k: 'fine', b: true })).toBeNull();
  });

  it('keeps a keyword past ignore_above in _source but does not index it', async () => {
    const { client } = await withIndex({ k: { type: 'keyword', ignore_above: 10 } });
    await client.index({ index: 'strict', id: 'long', document: { k: 'longer than ten' }, refresh: 'wait_for' });
    await client.index({ index: 'strict', id: 'short', document: { k: 'short' }, refresh: 'wait_for' });
    expect((await client.get<{ k: string }>({ index: 'strict', id: 'long' }))._source!.k).toBe('longer than ten');
    const find = async (k: string) => (await client.search({ index: 'strict', query: { term: { k } } })).hits.hits.map((h) => h._id);
    expect(await find('longer than ten')).toEqual([]);
    expect(await find('short')).toEqual(['short']);
  });

  it('shows writes to searches only after a refresh, while gets are realtime', async () => {
    const { client } = await withIndex({ k: { type: 'keyword' } });
    await client.index({ index: 'strict', id: 'a', document: { k: 'v' } });
    expect((await client.get({ index: 'strict', id: 'a' })).found).toBe(true);
    expect((await client.search({ index: 'strict', query: { match_all: {} } })).hits.hits).toHaveLength(0);
    await client.indices.refresh({ index: 'strict' });
    expect((await client.search({ index: 'strict', query: { match_all: {} } })).hits.hits).toHaveLength(1);
  });

  it('answers 409 to a second create of an id and to an update whose seq_no moved', async () => {
    const { client } = await withIndex({ k: { type: 'keyword' } });
    await client.create({ index: 'strict', id: 'a', document: { k: 'v' } });
    await expect(client.create({ index: 'strict', id: 'a', document: { k: 'w' } })).rejects.toMatchObject({ statusCode: 409 });
    await expect(client.update({ index: 'strict', id: 'a', doc: { k: 'w' }, if_seq_no: 999, if_primary_term: 1 })).rejects.toMatchObject({ statusCode: 409 });
  });

  it('refuses a changed field type on put-mapping and adds new fields', async () => {
    const { client, emulator } = await withIndex({ k: { type: 'keyword' } });
    await expect(client.indices.putMapping({ index: 'strict', properties: { k: { type: 'long' } } })).rejects.toMatchObject({
      statusCode: 400,
      body: { error: { reason: expect.stringMatching(/cannot be changed from type \[keyword\] to \[long\]/) } },
    });
    await client.indices.putMapping({ index: 'strict', properties: { n: { type: 'long' } } });
    expect(Object.keys(emulator.mappingOf('strict')!.properties).sort()).toEqual(['k', 'n']);
  });

  it('answers 413 to a body over http.max_content_length and 429 under pressure', async () => {
    const { client, emulator } = rawClient(new ElasticsearchEmulator({ maxContentLength: 1000 }));
    await expect(client.bulk({ operations: [{ create: { _index: 'x', _id: '1' } }, { v: 'y'.repeat(2000) }] })).rejects.toMatchObject({ statusCode: 413 });
    emulator.pressure.rejectBulks = 1;
    await expect(client.bulk({ operations: [{ create: { _index: 'x', _id: '1' } }, { v: 'y' }] })).rejects.toMatchObject({ statusCode: 429 });
    expect((await client.bulk({ operations: [{ create: { _index: 'x', _id: '1' } }, { v: 'y' }] })).errors).toBe(false);
  });
});

describe('normalisation keeps numbers a store can hold', () => {
  it('drops a token count past 2^53 (1e300, out of range for a 64-bit integer), names it, and prices nothing from it', () => {
    const e = normalizeOne({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 1e300, 'gen_ai.usage.output_tokens': 18 });
    expect(e.input_tokens).toBeNull();
    expect(e.output_tokens).toBe(18);
    expect(e.total_tokens).toBe(18);
    expect(e.truncated_fields).toContain('input_tokens');
    expect(e.cost_nanos).toBeLessThan(1e9);
    const big = normalizeOne({ 'gen_ai.usage.input_tokens': String(2 ** 53), 'gen_ai.usage.output_tokens': 1 });
    expect(big.input_tokens).toBeNull();
    expect(big.truncated_fields).toEqual(expect.arrayContaining(['input_tokens']));
  });
});

describe('ingest around the Elasticsearch store', () => {
  it('parks only the entry the cluster refuses (in-process queue), writes its neighbours and counts their runs once', async () => {
    const { client } = rawClient();
    const store = await createElasticsearchStore({ node: 'unused', client, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    const deadLetters = new DeadLetterDir(join(mkdtempSync(join(tmpdir(), 'es-dlq-')), 'dead-letters'));
    const queue = createInProcessQueue({ store: store.ledger, deadLetters, logger: silent, maxBytes: 64 * 1024 * 1024, batchMaxRows: 10_000, ackTimeoutMs: 10_000, retryAfterSeconds: 1 });
    const entries = generateEntries().filter((e) => e.organization_id === 'org_a').slice(0, 40);
    const poison = { ...entries[17], input_tokens: 1e300 };
    await queue.enqueue({ organization_id: 'org_a', entries: entries.map((e) => (e === entries[17] ? poison : e)), bytes: 1000 });
    const letters = await deadLetters.list();
    expect(letters.flatMap((l) => l.entries.map((e) => e.id))).toEqual([poison.id]);
    expect(letters[0].failed_reason).toMatch(/out of range for a long/);
    await store.refresh();
    const page = await store.ledger.queryLedger({ scope: { organization_id: 'org_a' }, sort_by: 'timestamp', sort_order: 'asc', page: 0, page_size: 100 });
    expect(page.count).toBe(39);
    const runs = await store.ledger.listRuns({ scope: { organization_id: 'org_a' }, sort_by: 'timestamp', sort_order: 'asc', page: 0, page_size: 100 });
    expect(runs.data.reduce((n, r) => n + r.action_count, 0)).toBe(39);
    await queue.close();
  });

  it('lets five processes bootstrap at once: one creates the organization, none fails', async () => {
    const emulator = new ElasticsearchEmulator();
    const stores = await Promise.all(Array.from({ length: 5 }, () => createElasticsearchStore({ node: 'unused', client: fakeClient(emulator.handle).client })));
    const options = { organizationId: 'default', bootstrapKey: 'alk_bootstrap_key_for_the_race_test_0001', announce: () => undefined };
    await Promise.all(stores.map((s) => bootstrapCredentials(s.credentials, 'p'.repeat(32), options, silent)));
    expect((await stores[0].credentials.listOrganizations()).map((o) => o.id)).toEqual(['default']);
  });
});

describe('elasticsearch write configuration', () => {
  it('reads the bulk, timeout and refresh keys, with their defaults and bounds', () => {
    expect(loadConfig({ env: {} }).elasticsearch).toMatchObject({ bulk_max_bytes: 10 * 1024 * 1024, bulk_max_actions: 5000, request_timeout_ms: 30_000, refresh_wait_for: false });
    const env = {
      AGENT_LEDGER_ELASTICSEARCH_BULK_MAX_BYTES: String(5 * 1024 * 1024),
      AGENT_LEDGER_ELASTICSEARCH_REQUEST_TIMEOUT_MS: '5000',
      AGENT_LEDGER_ELASTICSEARCH_REFRESH_WAIT_FOR: 'true',
    };
    expect(loadConfig({ env }).elasticsearch).toMatchObject({ bulk_max_bytes: 5 * 1024 * 1024, request_timeout_ms: 5000, refresh_wait_for: true });
    expect(() => loadConfig({ env: { AGENT_LEDGER_ELASTICSEARCH_BULK_MAX_BYTES: String(200 * 1024 * 1024) } })).toThrow(/BULK_MAX_BYTES/);
    expect(() => loadConfig({ env: { AGENT_LEDGER_ELASTICSEARCH_REQUEST_TIMEOUT_MS: '0' } })).toThrow(/REQUEST_TIMEOUT_MS/);
  });
});
