import { createElasticsearchStore } from '../../exporters/elasticsearch/elasticsearch-store.js';
import { agentsConformanceSuite } from '../conformance/agents-suite.js';
import { ElasticsearchEmulator } from './elasticsearch-emulator.js';
import { fakeClient } from './elasticsearch-fake-client.js';

/**
 * The agents conformance cases (tests/conformance/agents-suite.ts) on the
 * Elasticsearch store, with the in-memory emulator in place of a cluster:
 * it checks the store's own logic (keys, chains, conditional writes,
 * retention), not Elasticsearch itself. The emulator is near real time as a
 * cluster is: searches see an index as of its last refresh, gets are realtime.
 */
agentsConformanceSuite({
  name: 'elasticsearch store on an in-memory emulator (NOT a real Elasticsearch server)',
  skip: null,
  async create() {
    const { client } = fakeClient(new ElasticsearchEmulator().handle);
    const store = await createElasticsearchStore({ node: 'unused', client, maxResultWindow: 25 });
    return { store, refresh: () => store.refresh(), dispose: () => store.close() };
  },
});
