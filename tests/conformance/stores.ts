import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createElasticsearchStore } from '../../exporters/elasticsearch/elasticsearch-store.js';
import { createSqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import type { Store } from '../../exporters/store.js';

/** A fresh, empty store, with what the suite needs around it. */
export interface StoreHandle {
  store: Store;
  /** Makes every write visible to reads (a near-real-time store's refresh); a no-op where writes are visible at once. */
  refresh(): Promise<void>;
  /** Closes the store and removes what it created. */
  dispose(): Promise<void>;
}

export interface StoreTarget {
  name: string;
  /** Why this store does not run here; null when it does. */
  skip: string | null;
  create(): Promise<StoreHandle>;
}

const ELASTICSEARCH_URL = process.env.ELASTICSEARCH_URL;

/** Every store joins here, in a few lines: a name, when it is reachable, a factory for an empty one. */
export const STORE_TARGETS: StoreTarget[] = [
  {
    name: 'sqlite',
    skip: null,
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'conformance-'));
      const store = await createSqliteStore({ file: join(dir, 'ledger.db'), writer: 'inline' });
      return {
        store,
        refresh: async () => undefined,
        dispose: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'elasticsearch',
    skip: ELASTICSEARCH_URL
      ? null
      : 'ELASTICSEARCH_URL is not set: no Elasticsearch server runs here, so this store is NOT verified by this run',
    async create() {
      const store = await createElasticsearchStore({
        node: ELASTICSEARCH_URL!,
        apiKey: process.env.ELASTICSEARCH_API_KEY,
        username: process.env.ELASTICSEARCH_USERNAME,
        password: process.env.ELASTICSEARCH_PASSWORD,
        caFile: process.env.ELASTICSEARCH_CA_FILE,
        indexPrefix: `conformance-${randomBytes(4).toString('hex')}`,
        // small, so the suite's pages and exports go through point-in-time + search_after too
        maxResultWindow: 25,
      });
      return {
        store,
        refresh: () => store.refresh(),
        dispose: async () => {
          await store.deleteIndices();
          await store.close();
        },
      };
    },
  },
];
