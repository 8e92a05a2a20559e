import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { elasticsearchStoreOptions } from '../../exporters/create-store.js';
import { createElasticsearchStore } from '../../exporters/elasticsearch/elasticsearch-store.js';
import { indexNames } from '../../exporters/elasticsearch/index-names.js';
import { MAPPING_VERSION } from '../../exporters/elasticsearch/mappings.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { generateEntries } from '../conformance/dataset.js';
import { ElasticsearchEmulator } from './elasticsearch-emulator.js';
import { fakeClient } from './elasticsearch-fake-client.js';

/**
 * Index sizing and lifecycle from the configuration down to what each
 * index is created with, on the emulator, which refuses settings a cluster
 * refuses (elasticsearch-emulator-settings.ts). Emulated, NOT a real cluster.
 */
const names = indexNames('agent-ledger');
const policy = { policy: { phases: { delete: { min_age: '400d', actions: { delete: {} } } } } };

/** A store built as `createStore` builds it from these environment variables, on the emulator. */
async function storeFrom(env: Record<string, string>, emulator = new ElasticsearchEmulator()) {
  const config = loadConfig({ env: { ELASTICSEARCH_URL: 'http://es.invalid:9200', ...env } });
  const { client } = fakeClient(emulator.handle);
  const store = await createElasticsearchStore({ ...elasticsearchStoreOptions(config, config.elasticsearch_url!), window: null, client });
  return { store, client, emulator };
}

/** A few entries all starting in one UTC month. */
function entriesIn(month: string, seed: number): EntryRecord[] {
  const base = Date.parse(`${month}-10T00:00:00Z`) * 1000;
  return generateEntries(seed, 2).map((e, i) => ({ ...e, start_us: base + i * 1000, end_us: base + i * 1000 + 500 }));
}

async function settingsOf(client: ReturnType<typeof fakeClient>['client'], index: string): Promise<Record<string, string>> {
  const r = await client.indices.getSettings({ index, flat_settings: true });
  return r[index].settings as Record<string, string>;
}

describe('the emulator refuses index settings a cluster refuses', () => {
  const { client } = fakeClient(new ElasticsearchEmulator().handle);
  const refusal = (p: Promise<unknown>) => p.then(() => null, (err: { body?: { error?: { reason?: string } } }) => err.body?.error?.reason ?? String(err));

  it('on index creation: an unknown name, shards outside 1-1024, a negative replica count, a refresh interval that is no time', async () => {
    expect(await refusal(client.indices.create({ index: 'a', settings: { number_of_shard: 2 } as never }))).toMatch(/unknown setting \[index\.number_of_shard\]/);
    expect(await refusal(client.indices.create({ index: 'a', settings: { 'index.lifecycle.nam': 'x' } as never }))).toMatch(/unknown setting \[index\.lifecycle\.nam\]/);
    expect(await refusal(client.indices.create({ index: 'a', settings: { number_of_shards: 0 } }))).toMatch(/index\.number_of_shards/);
    expect(await refusal(client.indices.create({ index: 'a', settings: { number_of_shards: 1025 } }))).toMatch(/index\.number_of_shards/);
    expect(await refusal(client.indices.create({ index: 'a', settings: { number_of_replicas: -1 } }))).toMatch(/index\.number_of_replicas/);
    expect(await refusal(client.indices.create({ index: 'a', settings: { refresh_interval: 'fast' } }))).toMatch(/index\.refresh_interval/);
    expect(await refusal(client.indices.create({ index: 'a', settings: { index: { number_of_shards: 3 }, 'index.lifecycle.name': 'p', refresh_interval: '30s' } }))).toBeNull();
    expect(await settingsOf(client, 'a')).toMatchObject({ 'index.number_of_shards': '3', 'index.lifecycle.name': 'p', 'index.refresh_interval': '30s' });
  });

  it('on a template put, and a shard count changed on an existing index', async () => {
    const template = { name: 't', index_patterns: ['t-*'], template: { settings: { number_of_shards: 2, lifecycle: { nme: 'p' } } } };
    expect(await refusal(client.indices.putIndexTemplate(template as never))).toMatch(/unknown setting \[index\.lifecycle\.nme\]/);
    expect(await refusal(client.indices.putSettings({ index: 'a', settings: { number_of_shards: 6 } }))).toMatch(/non dynamic settings/);
    expect(await refusal(client.indices.putSettings({ index: 'a', settings: { number_of_replicas: 2 } }))).toBeNull();
  });
});

describe('index sizing from the configuration', () => {
  it('creates every index as before when nothing is set: one shard each, the cluster default replicas, 1 s refresh, no lifecycle', async () => {
    const { store, client } = await storeFrom({});
    await store.ledger.write(entriesIn('2025-03', 1));
    const entries = await settingsOf(client, 'agent-ledger-entries-2025.03');
    expect(entries).toMatchObject({ 'index.number_of_shards': '1', 'index.number_of_replicas': '1', 'index.refresh_interval': '1s' });
    expect(entries).not.toHaveProperty('index.lifecycle.name');
    for (const index of [names.runs, names.runApplied, names.apiKeys, 'agent-ledger-agents', 'agent-ledger-activity']) {
      expect(await settingsOf(client, index), index).toMatchObject({ 'index.number_of_shards': '1', 'index.number_of_replicas': '1' });
    }
  });

  it('gives each kind of index its own shards and replicas, the entries their refresh interval and ILM policy', async () => {
    const emulator = new ElasticsearchEmulator();
    await fakeClient(emulator.handle).client.ilm.putLifecycle({ name: 'ledger-entries', ...policy } as never);
    const { store, client } = await storeFrom(
      {
        AGENT_LEDGER_ELASTICSEARCH_SHARDS: '2',
        AGENT_LEDGER_ELASTICSEARCH_REPLICAS: '1',
        AGENT_LEDGER_ELASTICSEARCH_ENTRIES_SHARDS: '6',
        AGENT_LEDGER_ELASTICSEARCH_ENTRIES_REPLICAS: '2',
        AGENT_LEDGER_ELASTICSEARCH_RUNS_SHARDS: '3',
        AGENT_LEDGER_ELASTICSEARCH_AGENTS_SHARDS: '2',
        AGENT_LEDGER_ELASTICSEARCH_AGENTS_REPLICAS: '0',
        AGENT_LEDGER_ELASTICSEARCH_ENTRIES_REFRESH_INTERVAL: '30s',
        AGENT_LEDGER_ELASTICSEARCH_ILM_POLICY: 'ledger-entries',
      },
      emulator,
    );
    await store.ledger.write(entriesIn('2025-03', 2));
    expect(await settingsOf(client, 'agent-ledger-entries-2025.03')).toMatchObject({
      'index.number_of_shards': '6', 'index.number_of_replicas': '2', 'index.refresh_interval': '30s', 'index.lifecycle.name': 'ledger-entries',
    });
    expect(await settingsOf(client, names.runs)).toMatchObject({ 'index.number_of_shards': '3', 'index.number_of_replicas': '1' });
    // unset per kind: the general keys
    expect(await settingsOf(client, names.runApplied)).toMatchObject({ 'index.number_of_shards': '2', 'index.number_of_replicas': '1' });
    expect(await settingsOf(client, 'agent-ledger-agent-usage')).toMatchObject({ 'index.number_of_shards': '2', 'index.number_of_replicas': '0' });
    // credentials stay on one shard
    expect(await settingsOf(client, names.organizations)).toMatchObject({ 'index.number_of_shards': '1', 'index.number_of_replicas': '1' });
  });

  it('refuses to start with an ILM policy the cluster does not have, naming the key', async () => {
    await expect(storeFrom({ AGENT_LEDGER_ELASTICSEARCH_ILM_POLICY: 'missing-policy' })).rejects.toThrow(/elasticsearch\.ilm_policy: the cluster has no lifecycle policy "missing-policy"/);
  });

  it('a restart with new settings updates the template: the next month takes them, existing months keep theirs and their entries', async () => {
    const emulator = new ElasticsearchEmulator();
    const first = await storeFrom({}, emulator);
    await first.store.ledger.write(entriesIn('2025-03', 3));
    await first.client.ilm.putLifecycle({ name: 'ledger-entries', ...policy } as never);
    const second = await storeFrom({ AGENT_LEDGER_ELASTICSEARCH_ENTRIES_SHARDS: '4', AGENT_LEDGER_ELASTICSEARCH_ILM_POLICY: 'ledger-entries' }, emulator);
    const template = (await second.client.indices.getIndexTemplate({ name: names.entriesTemplate })).index_templates[0].index_template;
    expect(template.version).toBe(MAPPING_VERSION);
    expect(template.template!.settings).toMatchObject({ number_of_shards: 4, lifecycle: { name: 'ledger-entries' } });
    const april = entriesIn('2025-04', 4);
    expect(await second.store.ledger.write(april)).toEqual({ inserted: april.length });
    expect(await settingsOf(second.client, 'agent-ledger-entries-2025.04')).toMatchObject({ 'index.number_of_shards': '4', 'index.lifecycle.name': 'ledger-entries' });
    const march = await settingsOf(second.client, 'agent-ledger-entries-2025.03');
    expect(march['index.number_of_shards']).toBe('1');
    expect(march).not.toHaveProperty('index.lifecycle.name');
    await second.store.refresh();
    expect((await second.client.count({ index: 'agent-ledger-entries-2025.03' })).count).toBe(entriesIn('2025-03', 3).length);
  });
});

describe('index sizing configuration keys', () => {
  it('reads them from the environment, with their defaults', () => {
    expect(loadConfig({ env: {} }).elasticsearch).toMatchObject({
      shards: 1, replicas: null, entries_shards: null, runs_shards: null, run_markers_shards: null, agents_shards: null,
      entries_replicas: null, runs_replicas: null, run_markers_replicas: null, agents_replicas: null, entries_refresh_interval: '1s', ilm_policy: null,
    });
    expect(loadConfig({ env: { AGENT_LEDGER_ELASTICSEARCH_RUN_MARKERS_SHARDS: '2', AGENT_LEDGER_ELASTICSEARCH_RUNS_REPLICAS: '0' } }).elasticsearch).toMatchObject({ run_markers_shards: 2, runs_replicas: 0 });
  });

  it.each([
    ['AGENT_LEDGER_ELASTICSEARCH_SHARDS', '1025'],
    ['AGENT_LEDGER_ELASTICSEARCH_ENTRIES_SHARDS', '0'],
    ['AGENT_LEDGER_ELASTICSEARCH_RUNS_SHARDS', '2.5'],
    ['AGENT_LEDGER_ELASTICSEARCH_AGENTS_REPLICAS', '-1'],
    ['AGENT_LEDGER_ELASTICSEARCH_ENTRIES_REFRESH_INTERVAL', '-1'],
    ['AGENT_LEDGER_ELASTICSEARCH_ENTRIES_REFRESH_INTERVAL', '1 s'],
    ['AGENT_LEDGER_ELASTICSEARCH_ENTRIES_REFRESH_INTERVAL', '1h'],
    ['AGENT_LEDGER_ELASTICSEARCH_ILM_POLICY', '_internal'],
    ['AGENT_LEDGER_ELASTICSEARCH_ILM_POLICY', 'a,b'],
    ['AGENT_LEDGER_ELASTICSEARCH_ILM_POLICY', 'two words'],
    ['AGENT_LEDGER_ELASTICSEARCH_ILM_POLICY', 'x'.repeat(256)],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ env: { [name]: value } })).toThrow(new RegExp(name));
  });
});
