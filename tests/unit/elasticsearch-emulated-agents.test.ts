import { createElasticsearchStore } from '../../exporters/elasticsearch/elasticsearch-store.js';
import { agentsConformanceSuite } from '../conformance/agents-suite.js';
import { ElasticsearchEmulator } from './elasticsearch-emulator.js';
import { fakeClient } from './elasticsearch-fake-client.js';

/**
 * The agents conformance cases (tests/conformance/agents-suite.ts) on the
 * Elasticsearch store, with the in-memory emulator in place of a cluster:
 * it checks the store's own logic (keys, chains, conditional writes,
 * retention), not Elasticsearch itself. Twice: writes visible at once, and
 * near-real-time (searches see an index as of its last refresh, gets are
 * realtime), as a cluster behaves.
 */
for (const nearRealTime of [false, true]) {
  agentsConformanceSuite({
    name: `elasticsearch store on an in-memory emulator${nearRealTime ? ', near-real-time' : ''} (NOT a real Elasticsearch server)`,
    skip: null,
    async create() {
      const { client } = fakeClient(new ElasticsearchEmulator({ nearRealTime }).handle);
      const store = await createElasticsearchStore({ node: 'unused', client, maxResultWindow: 25 });
      return { store, refresh: () => store.refresh(), dispose: () => store.close() };
    },
  });
}
