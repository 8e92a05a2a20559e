import { describe, expect, it } from 'vitest';
import { createElasticsearchStore } from '../../exporters/elasticsearch/elasticsearch-store.js';
import { generateEntries } from '../conformance/dataset.js';
import { logJoinSuite } from '../conformance/log-join-cases.js';
import { conformanceSuite } from '../conformance/suite.js';
import { ElasticsearchEmulator } from './elasticsearch-emulator.js';
import { fakeClient } from './elasticsearch-fake-client.js';

/**
 * The whole conformance suite against the Elasticsearch store, with an
 * in-memory emulator in place of the cluster: it checks the store's own
 * logic (query translation, paging through points in time, the rollup
 * script run as JavaScript, stats, credentials), not Elasticsearch itself.
 * Against a real cluster the suite runs from tests/conformance when
 * ELASTICSEARCH_URL is set.
 */
async function emulatedStore(maxResultWindow: number) {
  // the emulator refuses what the cluster would with the same index.max_result_window as the store is told
  const emulator = new ElasticsearchEmulator({ maxResultWindow });
  const { client } = fakeClient(emulator.handle);
  const store = await createElasticsearchStore({ node: 'unused', client, maxResultWindow });
  return { emulator, store };
}

conformanceSuite({
  name: 'elasticsearch store on an in-memory emulator (NOT a real Elasticsearch server)',
  skip: null,
  async create() {
    // a small result window, so pages and exports also go through point in time + search_after
    const { store } = await emulatedStore(25);
    return { store, refresh: () => store.refresh(), dispose: () => store.close() };
  },
});

logJoinSuite({
  name: 'elasticsearch store on an in-memory emulator (NOT a real Elasticsearch server)',
  skip: null,
  async create() {
    const { store } = await emulatedStore(25);
    return { store, refresh: () => store.refresh(), dispose: () => store.close() };
  },
});

describe('elasticsearch store on the emulator: index layout', () => {
  it('writes entries to one index a month of their start time', async () => {
    const { emulator, store } = await emulatedStore(10_000);
    await store.ledger.write(generateEntries());
    expect(emulator.created.filter((n) => n.includes('-entries-')).sort()).toEqual([
      'agent-ledger-entries-2024.11',
      'agent-ledger-entries-2024.12',
      'agent-ledger-entries-2025.01',
    ]);
  });
});
