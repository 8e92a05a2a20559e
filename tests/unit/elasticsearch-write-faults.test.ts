import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@elastic/elasticsearch';
import { afterEach, describe, expect, it } from 'vitest';
import { BulkRetriesExhausted } from '../../exporters/elasticsearch/bulk-retry.js';
import { createElasticsearchStore, type ElasticsearchStoreOptions } from '../../exporters/elasticsearch/elasticsearch-store.js';
import { EntryWriter } from '../../exporters/elasticsearch/entry-writer.js';
import { entryIndexFor, indexNames } from '../../exporters/elasticsearch/index-names.js';
import { ENTRY_MAPPINGS, KEYWORD_IGNORE_ABOVE, MAPPING_VERSION } from '../../exporters/elasticsearch/mappings.js';
import { PermanentStoreError, type Store } from '../../exporters/store.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { generateEntries } from '../conformance/dataset.js';
import { ElasticsearchEmulator, type EmulatorOptions } from './elasticsearch-emulator.js';
import type { IndexMapping } from './elasticsearch-emulator-mapping.js';
import { fakeClient } from './elasticsearch-fake-client.js';

/**
 * The Elasticsearch store's writes against what a cluster does under load
 * and with bad data, on the strict in-memory emulator (NOT a real cluster):
 * bounded bulks, 413 and 429 whole requests, refused documents, the time
 * window, timeouts, mapping migration and the runs rollup's idempotency.
 */
const entries = generateEntries();
const noWait = { attempts: 4, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined };
const names = indexNames('agent-ledger');

async function emulated(options: Partial<ElasticsearchStoreOptions> = {}, emulatorOptions: EmulatorOptions = {}, emulator = new ElasticsearchEmulator(emulatorOptions)) {
  const { client, requests } = fakeClient(emulator.handle);
  const store = await createElasticsearchStore({ node: 'unused', client, retry: noWait, ...options });
  const entryBulks = () => requests.filter((r) => r.path === '/_bulk' && r.body[0]?.create);
  return { emulator, store, requests, entryBulks, client };
}

async function stored(store: Store & { refresh(): Promise<void> }, organization = 'org_a'): Promise<number> {
  await store.refresh();
  return (await store.ledger.queryLedger({ scope: { organization_id: organization }, sort_by: 'timestamp', sort_order: 'asc', page: 0, page_size: 1 })).count;
}

async function runOf(client: Client, e: EntryRecord) {
  await client.indices.refresh({ index: names.runs });
  const r = await client.search<{ action_count: number; applied: string[] }>({ index: names.runs, query: { bool: { filter: [{ term: { run_id: e.run_id } }, { term: { user_key: e.user_id ?? '' } }] } } });
  return r.hits.hits[0]._source!;
}

const orgCount = (org: string) => entries.filter((e) => e.organization_id === org).length;

describe('elasticsearch bulks are bounded', () => {
  it('cuts a batch into bulks of at most bulk_max_bytes and bulk_max_actions, and writes every entry', async () => {
    const { store, entryBulks } = await emulated({ bulkMaxBytes: 64 * 1024, bulkMaxActions: 50 });
    expect(await store.ledger.write(entries)).toEqual({ inserted: entries.length });
    const bulks = entryBulks();
    expect(bulks.length).toBeGreaterThan(entries.length / 50);
    for (const b of bulks) {
      expect(b.body.length / 2).toBeLessThanOrEqual(50);
      expect(b.bytes).toBeLessThanOrEqual(64 * 1024);
    }
    expect(await stored(store)).toBe(orgCount('org_a'));
  });

  it('splits a bulk the cluster answers 413 (over http.max_content_length) until it fits, losing nothing', async () => {
    const { store, requests } = await emulated({}, { maxContentLength: 40 * 1024 });
    expect(await store.ledger.write(entries)).toEqual({ inserted: entries.length });
    const bulkSizes = requests.filter((r) => r.path === '/_bulk').map((r) => r.bytes);
    expect(bulkSizes[0]).toBeGreaterThan(40 * 1024);
    expect(await stored(store)).toBe(orgCount('org_a'));
  });

  it('refuses for good (a dead letter) a single entry larger than http.max_content_length, writing the rest', async () => {
    const { store } = await emulated({}, { maxContentLength: 40 * 1024 });
    const huge = { ...entries[0], inputs: { text: 'x'.repeat(60 * 1024) } };
    const err = await store.ledger.write([huge, ...entries.slice(1, 10)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentStoreError);
    expect((err as Error).message).toMatch(/1 of 10 .*413 request_entity_too_large/);
    await store.refresh();
    const ids = (await store.ledger.queryLedger({ scope: { organization_id: null }, sort_by: 'timestamp', sort_order: 'asc', page: 0, page_size: 100 })).data.map((e) => e.id);
    expect(ids.sort()).toEqual(entries.slice(1, 10).map((e) => e.id).sort());
  });

  it('backs off on a whole bulk answered 429 and writes once the cluster takes it; gives up retryably, never forever', async () => {
    const waits: number[] = [];
    const { store, emulator } = await emulated({ retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 40, sleep: async (ms) => void waits.push(ms) } });
    emulator.pressure.rejectBulks = 2;
    expect(await store.ledger.write(entries.slice(0, 20))).toEqual({ inserted: 20 });
    expect(waits).toEqual([10, 20]);

    emulator.pressure.rejectBulks = 1000;
    const err = await store.ledger.write(entries.slice(20, 40)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BulkRetriesExhausted);
    expect(err).not.toBeInstanceOf(PermanentStoreError);
    expect((err as Error).message).toMatch(/429 es_rejected_execution_exception/);
    expect(emulator.pressure.rejectBulks).toBe(1000 - 4);
    emulator.pressure.rejectBulks = 0;
    expect(await store.ledger.write(entries.slice(20, 40))).toEqual({ inserted: 20 });
  });
});

describe('elasticsearch: a refused document never stalls ingest', () => {
  it('refuses a long out of range per item (as a cluster does) and writes the rest of the bulk', async () => {
    const { store } = await emulated();
    const bad = { ...entries[5], input_tokens: 1e300 };
    const err = await store.ledger.write([...entries.slice(0, 5), bad, ...entries.slice(6, 12)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentStoreError);
    expect((err as Error).message).toMatch(/1 of 12 entries \(first: .*document_parsing_exception.*out of range for a long.*11 were written/);
  });

  it('cuts a keyword value past its ignore_above at write, names it in truncated_fields, and keeps it filterable', async () => {
    const { store } = await emulated();
    const agent = `agent-${'é'.repeat(20_000)}`;
    const e = { ...entries[0], agent_id: agent };
    expect(await store.ledger.write([e])).toEqual({ inserted: 1 });
    await store.refresh();
    const page = await store.ledger.queryLedger({ scope: { organization_id: e.organization_id }, sort_by: 'timestamp', sort_order: 'asc', page: 0, page_size: 10 });
    const [got] = page.data;
    expect(Buffer.byteLength(got.agent_id!)).toBeLessThanOrEqual(KEYWORD_IGNORE_ABOVE);
    expect(agent.startsWith(got.agent_id!)).toBe(true);
    expect(got.truncated_fields).toContain('agent_id');
    const filtered = await store.ledger.queryLedger({ scope: { organization_id: e.organization_id }, agent_id: got.agent_id!, sort_by: 'timestamp', sort_order: 'asc', page: 0, page_size: 10 });
    expect(filtered.count).toBe(1);
  });
});

describe('elasticsearch: entries outside the accepted time window', () => {
  it('are refused for good before any index is created for their month', async () => {
    const { store, emulator } = await emulated({ window: { maxSpanAgeDays: 3650, maxFutureSkewSeconds: 3600 } });
    const now = Date.now() * 1000;
    const old = { ...entries[0], start_us: Date.UTC(1971, 0, 1) * 1000, end_us: Date.UTC(1971, 0, 1) * 1000 + 5 };
    const future = { ...entries[1], start_us: Date.UTC(2300, 5, 1) * 1000, end_us: Date.UTC(2300, 5, 1) * 1000 + 5 };
    const current = { ...entries[2], start_us: now, end_us: now + 5 };
    const err = await store.ledger.write([old, future, current]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentStoreError);
    expect((err as Error).message).toMatch(/2 of 3 .*outside the accepted time window/);
    expect(emulator.created.filter((n) => n.includes('-entries-'))).toEqual([entryIndexFor(names, now)]);
  });

  it('so a key sending one span a month over a century creates no more indices than the window holds', async () => {
    const { store, emulator } = await emulated({ window: { maxSpanAgeDays: 365, maxFutureSkewSeconds: 3600 } });
    const start = Date.UTC(1950, 0, 15);
    const spread = Array.from({ length: 1300 }, (_, i) => {
      const us = Date.UTC(new Date(start).getUTCFullYear() + Math.floor(i / 12), i % 12, 15) * 1000;
      return { ...entries[i % entries.length], id: `spread-${i}`, span_id: i.toString(16).padStart(16, '0'), start_us: us, end_us: us + 1 };
    });
    await store.ledger.write(spread).catch(() => undefined);
    // a year back, a month of slack each side, and the current month
    expect(emulator.created.filter((n) => n.includes('-entries-')).length).toBeLessThanOrEqual(15);
  });
});

describe('elasticsearch: a cluster that never answers', () => {
  let server: Server | null = null;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function silentNode(): Promise<string> {
    server = createServer(() => undefined);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  }

  it('fails start-up after request_timeout_ms instead of hanging', async () => {
    const node = await silentNode();
    const started = Date.now();
    await expect(createElasticsearchStore({ node, requestTimeoutMs: 200 })).rejects.toThrow(/cannot set up the indices: Request timed out/);
    expect(Date.now() - started).toBeLessThan(10_000);
    server!.closeAllConnections();
  });

  it('treats a timed-out bulk as busy: retried with backoff, then a retryable failure', async () => {
    const node = await silentNode();
    const client = new Client({ node, requestTimeout: 150, maxRetries: 0 });
    const writer = new EntryWriter(client, { names, scriptId: 'x', retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 }, refresh: false });
    const err = await writer.write(entries.slice(0, 3)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BulkRetriesExhausted);
    expect((err as Error).message).toMatch(/TimeoutError/);
    await client.close();
    server!.closeAllConnections();
  });
});

describe('elasticsearch mappings are migrated at start-up', () => {
  const month = entryIndexFor(names, Date.now() * 1000);
  /** The current month's index as the release before mapping versions created it. */
  const oldMapping = (): IndexMapping => {
    const { rollup_batch: _added, ...properties } = ENTRY_MAPPINGS.properties as IndexMapping['properties'];
    return { dynamic: 'strict', properties };
  };

  it('adds this release’s fields to an index an older release created, so writes to the current month succeed', async () => {
    const emulator = new ElasticsearchEmulator();
    emulator.createIndexWithMapping(month, oldMapping());
    // the old mapping refuses the new field, as `dynamic: strict` does
    const { client: raw } = fakeClient(emulator.handle);
    await expect(raw.index({ index: month, id: 'probe', document: { rollup_batch: 'x' } })).rejects.toThrow(/strict_dynamic_mapping_exception/);

    const { store } = await emulated({}, {}, emulator);
    expect(emulator.mappingOf(month)?._meta).toMatchObject({ mapping_version: MAPPING_VERSION });
    const now = Date.now() * 1000;
    expect(await store.ledger.write([{ ...entries[0], start_us: now, end_us: now + 10 }])).toEqual({ inserted: 1 });
  });

  it('leaves a newer release’s template alone (a rolling upgrade runs both)', async () => {
    const emulator = new ElasticsearchEmulator();
    const { client: raw } = fakeClient(emulator.handle);
    await raw.indices.putIndexTemplate({ name: 'agent-ledger-entries', index_patterns: ['agent-ledger-entries-*'], version: MAPPING_VERSION + 1, priority: 500 });
    await emulated({}, {}, emulator);
    const t = await raw.indices.getIndexTemplate({ name: 'agent-ledger-entries' });
    expect(t.index_templates[0].index_template.version).toBe(MAPPING_VERSION + 1);
  });
});

describe('elasticsearch runs rollup: bounded and exactly once', () => {
  const run = entries.filter((e) => e.run_id === entries[0].run_id && e.user_id === entries[0].user_id)[0];
  const big = Array.from({ length: 6000 }, (_, i): EntryRecord => ({
    ...run, id: `big-${i}`, span_id: (i + 1).toString(16).padStart(16, '0'), is_root: false, parent_span_id: run.span_id,
  }));
  const batches = Array.from({ length: 12 }, (_, i) => big.slice(i * 500, (i + 1) * 500));

  it('keeps a bounded window of span ids in the run, and counts every entry once through re-deliveries', async () => {
    const { store, client } = await emulated();
    for (const b of batches) await store.ledger.write(b);
    const after = await runOf(client, run);
    expect(after.action_count).toBe(6000);
    expect(after.applied.length).toBeLessThanOrEqual(4096);
    // every batch again, and halves of them (the in-process queue splits around a refused entry)
    for (const b of batches) await store.ledger.write(b);
    for (const b of batches) await store.ledger.write(b.slice(0, 250));
    expect((await runOf(client, run)).action_count).toBe(6000);
  });

  it('counts entries whose run update was lost when their batch comes again, even after the window moved on', async () => {
    const { store, client, emulator } = await emulated({ retry: { ...noWait, attempts: 1 } });
    emulator.pressure.rejectItems.update = 1;
    await expect(store.ledger.write(batches[0])).rejects.toThrow(BulkRetriesExhausted);
    expect((await store.refresh(), await client.count({ index: names.entriesPattern })).count).toBe(500);
    for (const b of batches.slice(1)) await store.ledger.write(b);
    await store.ledger.write(batches[0].slice(0, 200));
    await store.ledger.write(batches[0]);
    await store.ledger.write(batches[0]);
    expect((await runOf(client, run)).action_count).toBe(6000);
  });

  it('never counts twice when the run update landed but its marker did not', async () => {
    const { store, client, emulator } = await emulated({ retry: { ...noWait, attempts: 1 } });
    await store.ledger.write(batches[0]);
    emulator.pressure.rejectItems.index = 1;
    await expect(store.ledger.write(batches[1])).rejects.toThrow(BulkRetriesExhausted);
    await store.ledger.write(batches[1]);
    await store.ledger.write(batches[1]);
    expect((await runOf(client, run)).action_count).toBe(1000);
  });
});
