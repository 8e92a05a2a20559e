import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeRequest } from '../../collector/normalize/normalize-request.js';
import { DEFAULT_DECODE_LIMITS } from '../../collector/otlp/decode-limits.js';
import { decodeTraces } from '../../collector/otlp/otlp-codec.js';
import { createPricing } from '../../collector/pricing/pricing.js';
import { createSqliteStore, type SqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import type { LedgerEntry, Outcome } from '../../model/ledger-entry.js';
import { highlightsFor } from '../../model/search-highlights.js';
import { parseSearchQuery, SearchQueryError } from '../../model/search-query.js';
import { fullTextRequest } from '../helpers/fulltext-spans.js';
import { FULLTEXT_CASES, FULLTEXT_DOCUMENTS } from './fulltext-cases.js';

/**
 * The conformance cases against the SQLite store directly (the e2e suite
 * runs them through the server too). The documents are normalised exactly
 * as the receiver does, from the same OTLP request.
 */

let store: SqliteStore;
const scope = { organization_id: 'default' };

beforeAll(async () => {
  store = await createSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'fts-conf-')), 'ledger.db'), writer: 'inline' });
  const body = Buffer.from(JSON.stringify(fullTextRequest(FULLTEXT_DOCUMENTS, Date.parse('2025-06-01T00:00:00Z'))));
  const { spans } = decodeTraces(body, 'json', DEFAULT_DECODE_LIMITS);
  const entries = normalizeRequest(spans, { organizationId: 'default', userId: null, pricing: createPricing({}), maxJsonDepth: 64 });
  await store.ledger.write(entries);
  // a re-delivered copy is not indexed twice
  expect((await store.ledger.write(entries)).inserted).toBe(0);
});

afterAll(async () => {
  await store?.close();
});

describe.each(FULLTEXT_CASES.map((c) => [`${c.q}${c.filters ? ` + ${JSON.stringify(c.filters)}` : ''}`, c] as const))('q=%s', (_name, c) => {
  it('finds exactly the expected documents', async () => {
    if (c.expect === 'bad-request') {
      expect(() => parseSearchQuery(c.q)).toThrow(SearchQueryError);
      return;
    }
    const f = c.filters ?? {};
    const page = await store.ledger.queryLedger({
      scope,
      q: parseSearchQuery(c.q),
      agent_id: f.agent_id,
      outcome: f.outcome as Outcome | undefined,
      action_name: f.action_name,
      search: f.search,
      sort_by: 'timestamp',
      sort_order: 'asc',
      page: 0,
      page_size: 100,
    });
    const keys = page.data.map((e: LedgerEntry) => e.tags[0]);
    expect(keys.sort()).toEqual([...c.expect].sort());
    expect(page.count).toBe(c.expect.length);
    for (const entry of page.data) expect(highlightsFor(entry, parseSearchQuery(c.q)).length, entry.tags[0]).toBeGreaterThan(0);
    if (c.highlight) {
      const entry = page.data.find((e) => e.tags[0] === c.highlight!.key)!;
      expect(highlightsFor(entry, parseSearchQuery(c.q))).toContainEqual({ field: c.highlight.field, snippet: c.highlight.snippet });
    }
  });
});
