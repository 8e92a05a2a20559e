import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchExpression } from '../../exporters/sqlite/fts-text.js';
import { createSqliteStore, type SqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import type { QueryScope } from '../../exporters/store.js';
import { entryId, runIdFromTraceId } from '../../model/ids.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { parseSearchQuery } from '../../model/search-query.js';

/** The tenant scope holds for `q` whichever way it is answered, and no user text reaches FTS5 as syntax. */

let store: SqliteStore;

function entry(i: number, org: string, user: string | null, text: string): EntryRecord {
  const traceId = (i + 1).toString(16).padStart(32, '0');
  const spanId = (i + 1).toString(16).padStart(16, '0');
  return {
    id: entryId(org, traceId, spanId), organization_id: org, run_id: runIdFromTraceId(traceId), trace_id: traceId, span_id: spanId,
    parent_span_id: null, is_root: true, name: 'step', kind: 'tool', outcome: i % 2 ? 'error' : 'success', status_message: null,
    start_us: 1_700_000_000_000_000 + i, end_us: 1_700_000_000_000_100 + i, duration_ms: 0.1, cost_nanos: i, model: null, provider: null,
    input_tokens: null, output_tokens: null, total_tokens: null, agent_id: 'agent', service_name: null, user_id: user,
    inputs: { text }, outputs: null, compliance_metadata: null, tags: [], attributes: {}, truncated_fields: [], redactions: 0, entities: {},
  };
}

beforeAll(async () => {
  store = await createSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'fts-scope-')), 'ledger.db'), writer: 'inline' });
  const entries: EntryRecord[] = [];
  for (let i = 0; i < 300; i++) entries.push(entry(i, i % 3 === 0 ? 'acme' : 'globex', i % 2 ? 'alice' : 'bob', 'shared secret plans'));
  await store.ledger.write(entries);
});

afterAll(async () => {
  await store?.close();
});

describe('q and the tenant scope', () => {
  const count = async (scope: QueryScope, filter: Record<string, unknown> = {}) =>
    (await store.ledger.queryLedger({ scope, q: parseSearchQuery('shared'), sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 1000, ...filter })).count;

  it('counts only the scope, with q alone and with other filters', async () => {
    expect(await count({ organization_id: 'acme' })).toBe(100);
    expect(await count({ organization_id: 'globex' })).toBe(200);
    expect(await count({ organization_id: 'acme', user_id: 'alice' })).toBe(50);
    expect(await count({ organization_id: 'other' })).toBe(0);
    expect(await count({ organization_id: null })).toBe(300);
    expect(await count({ organization_id: 'acme', user_id: 'alice' }, { outcome: 'error' })).toBe(50);
    expect(await count({ organization_id: 'acme', user_id: 'bob' }, { outcome: 'error' })).toBe(0);
  });

  it('lists only the scope\'s runs', async () => {
    const runs = await store.ledger.listRuns({ scope: { organization_id: 'acme' }, q: parseSearchQuery('secret'), sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 1000 });
    expect(runs.count).toBe(100);
  });
});

describe('matchExpression', () => {
  it('quotes every token and lets nothing of the user text through as syntax', () => {
    const q = parseSearchQuery(`"a" OR bb* NEAR(c) -d col:e ^ {f} '; DROP TABLE entries; -- 東京 🎉 x"y`);
    const expression = matchExpression(q, { organization_id: 'acme"; --' });
    // outside double quotes only our operators, parentheses, + and *
    const outside = expression.replace(/"[a-z0-9_]*"/g, '');
    expect(outside).toMatch(/^[\s()+*]*(?:(?:AND|OR|NOT)[\s()+*]*)*$/);
    expect(expression).not.toMatch(/DROP|NEAR|col:/);
  });
});
