import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeRequest } from '../../collector/normalize/normalize-request.js';
import { DEFAULT_DECODE_LIMITS } from '../../collector/otlp/decode-limits.js';
import { decodeTraces } from '../../collector/otlp/otlp-codec.js';
import { createPricing } from '../../collector/pricing/pricing.js';
import { createElasticsearchStore, type ElasticsearchStore } from '../../exporters/elasticsearch/elasticsearch-store.js';
import type { Outcome } from '../../model/ledger-entry.js';
import { parseSearchQuery } from '../../model/search-query.js';
import { FULLTEXT_CASES, FULLTEXT_DOCUMENTS } from '../conformance/fulltext-cases.js';
import { fullTextRequest } from '../helpers/fulltext-spans.js';
import { ElasticsearchEmulator } from './elasticsearch-emulator.js';
import { fakeClient } from './elasticsearch-fake-client.js';

/**
 * The full-text `q` cases (tests/conformance/fulltext-cases.ts) against the
 * Elasticsearch store's translation, on the in-memory emulator: the queries
 * it builds from the shared tokens find exactly the expected documents.
 * Not a real Elasticsearch: its analysis and query execution are emulated.
 */
let store: ElasticsearchStore;
const scope = { organization_id: 'default' };

beforeAll(async () => {
  const { client } = fakeClient(new ElasticsearchEmulator().handle);
  store = await createElasticsearchStore({ node: 'unused', client });
  const body = Buffer.from(JSON.stringify(fullTextRequest(FULLTEXT_DOCUMENTS, Date.parse('2025-06-01T00:00:00Z'))));
  const { spans } = decodeTraces(body, 'json', DEFAULT_DECODE_LIMITS);
  await store.ledger.write(normalizeRequest(spans, { organizationId: 'default', userId: null, pricing: createPricing({}), maxJsonDepth: 64 }));
  // searchable after a refresh, as on a cluster
  await store.refresh();
});

const searchable = FULLTEXT_CASES.filter((c) => c.expect !== 'bad-request');

describe.each(searchable.map((c) => [`${c.q}${c.filters ? ` + ${JSON.stringify(c.filters)}` : ''}`, c] as const))(
  'elasticsearch store (emulated cluster), q=%s',
  (_name, c) => {
    it('finds exactly the expected documents', async () => {
      const f = c.filters ?? {};
      const page = await store.ledger.queryLedger({
        scope, q: parseSearchQuery(c.q), agent_id: f.agent_id, outcome: f.outcome as Outcome | undefined, action_name: f.action_name,
        search: f.search, sort_by: 'timestamp', sort_order: 'asc', page: 0, page_size: 100,
      });
      expect(page.data.map((e) => e.tags[0]).sort()).toEqual([...(c.expect as string[])].sort());
      expect(page.count).toBe((c.expect as string[]).length);
    });
  },
);
