import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore, type SqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import type { LedgerQuery, LedgerSortField } from '../../exporters/store.js';
import { entryId, runIdFromTraceId } from '../../model/ids.js';
import type { EntryRecord, Outcome } from '../../model/ledger-entry.js';
import { visitSearchableValues } from '../../model/search-fields.js';
import { matchRanges } from '../../model/search-highlights.js';
import { parseSearchQuery, type SearchQuery } from '../../model/search-query.js';
import { seededRandom } from '../../bench/seeded-random.js';

/**
 * Every way the SQLite store answers `q` (gathering matches, walking an index
 * with a probe per row or with the set of matches, counting in FTS5 alone or
 * over the filtered rows) must give the same page as a plain evaluation of
 * the query over every entry. Words of different frequencies, filters,
 * sorts and pages push the planner through each of them.
 */

const N = 30_000;
const WORDS: Array<[string, number]> = [['alpha', 0.9], ['beta', 0.3], ['gamma', 0.03], ['delta', 0.001]];
const AGENTS = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9'];
const T0 = Date.parse('2025-01-01T00:00:00Z') * 1000;

let store: SqliteStore;
const entries: EntryRecord[] = [];

function makeEntries(): void {
  const rnd = seededRandom(42);
  for (let i = 0; i < N; i++) {
    const words = WORDS.filter(([, p]) => rnd() < p).map(([w]) => w);
    if (rnd() < 0.2) words.reverse();
    const traceId = (i + 1).toString(16).padStart(32, '0');
    const spanId = (i + 1).toString(16).padStart(16, '0');
    // mostly in time order, as ingest is, with some late arrivals
    const start = T0 + i * 60_000_000 - (rnd() < 0.1 ? Math.floor(rnd() * 86_400_000_000) : 0);
    entries.push({
      id: entryId('default', traceId, spanId),
      organization_id: 'default',
      run_id: runIdFromTraceId(traceId),
      trace_id: traceId,
      span_id: spanId,
      parent_span_id: null,
      is_root: true,
      name: `tool_${i % 7}`,
      kind: 'tool',
      outcome: (['success', 'error', 'blocked'] as Outcome[])[i % 3],
      status_message: null,
      start_us: start,
      end_us: start + 1000,
      duration_ms: Math.floor(rnd() * 100),
      cost_nanos: Math.floor(rnd() * 1000),
      model: null,
      provider: null,
      input_tokens: null,
      output_tokens: null,
      total_tokens: null,
      agent_id: AGENTS[Math.floor(rnd() * AGENTS.length)],
      service_name: 'svc',
      user_id: null,
      inputs: { text: words.join(' '), n: i },
      outputs: null,
      compliance_metadata: null,
      tags: [],
      attributes: {},
      truncated_fields: [],
      redactions: 0,
      entities: {},
    });
  }
}

function matches(e: EntryRecord, q: SearchQuery): boolean {
  const termFound = (term: SearchQuery['include'][number]) => {
    let found = false;
    visitSearchableValues(e, (_f, text) => {
      found ||= matchRanges(text, { include: [term], exclude: [] }).length > 0;
    });
    return found;
  };
  return q.include.every(termFound) && !q.exclude.some(termFound);
}

const SORT_KEY: Record<LedgerSortField, (e: EntryRecord) => number | string> = {
  timestamp: (e) => e.start_us,
  cost: (e) => e.cost_nanos,
  duration: (e) => e.duration_ms,
  name: (e) => e.name,
};

function expected(query: LedgerQuery): { ids: string[]; count: number } {
  const hits = entries.filter(
    (e) =>
      matches(e, query.q!) &&
      (query.agent_id === undefined || e.agent_id === query.agent_id) &&
      (query.outcome === undefined || e.outcome === query.outcome) &&
      (query.start_us === undefined || e.start_us >= query.start_us) &&
      (query.end_us === undefined || e.start_us <= query.end_us) &&
      (query.min_cost_nanos === undefined || e.cost_nanos >= query.min_cost_nanos),
  );
  const key = SORT_KEY[query.sort_by];
  const dir = query.sort_order === 'asc' ? 1 : -1;
  hits.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return (ka < kb ? -1 : ka > kb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0) * dir;
  });
  const from = query.page * query.page_size;
  return { ids: hits.slice(from, from + query.page_size).map((e) => e.id), count: hits.length };
}

beforeAll(async () => {
  makeEntries();
  store = await createSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'fts-plans-')), 'ledger.db'), writer: 'inline' });
  for (let i = 0; i < entries.length; i += 5000) await store.ledger.write(entries.slice(i, i + 5000));
}, 120_000);

afterAll(async () => {
  await store?.close();
});

const DAY = 86_400_000_000;
const FILTERS: Array<[string, Partial<LedgerQuery>]> = [
  ['none', {}],
  ['agent', { agent_id: 'a3' }],
  ['agent + 5 days', { agent_id: 'a3', start_us: T0 + 3 * DAY, end_us: T0 + 8 * DAY }],
  ['outcome', { outcome: 'error' }],
  ['min cost', { min_cost_nanos: 900 }],
  ['2 days', { start_us: T0 + 10 * DAY, end_us: T0 + 12 * DAY }],
];
const QUERIES = ['alpha', 'alpha beta', '"beta alpha"', 'gamma', 'delta', 'alph*', 'alpha -beta', 'gamm* -delta'];
const PAGES: Array<[LedgerSortField, 'asc' | 'desc', number, number]> = [
  ['timestamp', 'desc', 0, 10],
  ['timestamp', 'asc', 3, 100],
  ['cost', 'desc', 0, 50],
  ['duration', 'asc', 1, 20],
  ['name', 'desc', 40, 100],
];

describe.each(FILTERS)('filter %s', (_name, filter) => {
  it.each(QUERIES)('q=%s: every page as a full evaluation gives it', async (q) => {
    for (const [sort_by, sort_order, page, page_size] of PAGES) {
      const query: LedgerQuery = { scope: { organization_id: 'default' }, q: parseSearchQuery(q), sort_by, sort_order, page, page_size, ...filter };
      const want = expected(query);
      const got = await store.ledger.queryLedger(query);
      expect(got.count, `${sort_by} ${sort_order} page ${page}`).toBe(want.count);
      expect(got.data.map((e) => e.id), `${sort_by} ${sort_order} page ${page}`).toEqual(want.ids);
    }
  });

  it('exports the same entries, newest first', async () => {
    const query: LedgerQuery = { scope: { organization_id: 'default' }, q: parseSearchQuery('beta'), sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 700, ...filter };
    const got: string[] = [];
    for await (const e of store.ledger.exportLedger(query, 700)) got.push(e.id);
    expect(got).toEqual(expected(query).ids);
  });
});
