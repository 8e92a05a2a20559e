import { describe, expect, it } from 'vitest';
import { fullTextQuery } from '../../exporters/elasticsearch/fulltext-dsl.js';
import { ledgerFilterQuery, ledgerSort, searchQuery } from '../../exporters/elasticsearch/ledger-query-dsl.js';
import { runFilterQuery } from '../../exporters/elasticsearch/runs-reader.js';
import { containsPattern, escapeWildcard } from '../../exporters/elasticsearch/search-fold.js';
import { LEDGER_SORT_FIELDS } from '../../exporters/store.js';
import { parseSearchQuery } from '../../model/search-query.js';

const A = { organization_id: 'org_a' };
const filtersOf = (f: Parameters<typeof ledgerFilterQuery>[0]) => (ledgerFilterQuery(f) as { bool: { filter: unknown[] } }).bool.filter;

describe('LedgerFilter → Elasticsearch bool filters', () => {
  it('always starts with the tenant scope', () => {
    expect(filtersOf({ scope: A })).toEqual([{ term: { organization_id: 'org_a' } }]);
    expect(filtersOf({ scope: { organization_id: 'org_a', user_id: 'alice' } })).toEqual([
      { term: { organization_id: 'org_a' } },
      { term: { user_id: 'alice' } },
    ]);
    expect(filtersOf({ scope: { organization_id: null } })).toEqual([]);
  });

  it('translates each exact filter to a term', () => {
    expect(filtersOf({ scope: A, outcome: 'error' })).toContainEqual({ term: { outcome: 'error' } });
    expect(filtersOf({ scope: A, action_name: 'Send*Email?' })).toContainEqual({ term: { name: 'Send*Email?' } });
    expect(filtersOf({ scope: A, agent_id: 'a\\b' })).toContainEqual({ term: { agent_id: 'a\\b' } });
    expect(filtersOf({ scope: A, run_id: 'r-1' })).toContainEqual({ term: { run_id: 'r-1' } });
  });

  it('translates cost and date bounds to inclusive ranges, one side or both', () => {
    expect(filtersOf({ scope: A, min_cost_nanos: 0 })).toContainEqual({ range: { cost_nanos: { gte: 0 } } });
    expect(filtersOf({ scope: A, max_cost_nanos: 10 })).toContainEqual({ range: { cost_nanos: { lte: 10 } } });
    expect(filtersOf({ scope: A, start_us: 5, end_us: 9 })).toContainEqual({ range: { ts_us: { gte: 5, lte: 9 } } });
  });

  it('combines every filter with AND', () => {
    const all = filtersOf({
      scope: A, outcome: 'success', action_name: 'n', agent_id: 'a', run_id: 'r', min_cost_nanos: 1, max_cost_nanos: 2, start_us: 3, end_us: 4,
      search: 'x', q: parseSearchQuery('refund'),
    });
    expect(all).toHaveLength(9);
  });
});

describe('`search` → wildcards over folded copies', () => {
  it('escapes the wildcard metacharacters and nothing else', () => {
    expect(escapeWildcard('a*b?c\\d%_[x]')).toBe('a\\*b\\?c\\\\d%_[x]');
    expect(containsPattern('100%_*?')).toBe('*100%_\\*\\?*');
  });

  it('folds the text as the stored copies are folded (NFC, lower case)', () => {
    expect(containsPattern('CAFE\u0301')).toBe('*café*');
    expect(containsPattern('İ')).toBe('*i̇*');
  });

  it('matches name or agent id, and names the outcomes that contain the text', () => {
    expect(searchQuery('ERR')).toEqual({
      bool: {
        should: [{ wildcard: { name_fold: { value: '*err*' } } }, { wildcard: { agent_fold: { value: '*err*' } } }, { terms: { outcome: ['error'] } }],
        minimum_should_match: 1,
      },
    });
    expect((searchQuery('s') as any).bool.should[2]).toEqual({ terms: { outcome: ['success'] } });
    expect((searchQuery('zz') as any).bool.should).toHaveLength(2);
  });
});

describe('sorts', () => {
  it('sorts on each field, then on id in the same direction', () => {
    const fields = { timestamp: 'ts_us', cost: 'cost_nanos', duration: 'duration_ms', name: 'name' };
    for (const f of LEDGER_SORT_FIELDS) {
      for (const order of ['asc', 'desc'] as const) expect(ledgerSort(f, order)).toEqual([{ [fields[f]]: { order } }, { id: { order } }]);
    }
  });
});

describe('`q` → queries over the shared tokens', () => {
  const q = (text: string) => fullTextQuery(parseSearchQuery(text)) as any;

  it('a word is a term on the folded token', () => {
    expect(q('MÜLLER')).toEqual({ bool: { filter: [{ term: { search_text: { value: 'muller' } } }] } });
  });

  it('a phrase (and an identifier) is match_phrase over tokens joined by spaces', () => {
    expect(q('"Connection  Timeout"').bool.filter[0]).toEqual({ match_phrase: { search_text: { query: 'connection timeout', analyzer: 'ledger_tokens', slop: 0 } } });
    expect(q('ops@example.com').bool.filter[0].match_phrase.search_text.query).toBe('ops example com');
  });

  it('a prefix is a prefix query; a phrase ending in one is span_near with span_multi', () => {
    expect(q('datab*').bool.filter[0]).toEqual({ prefix: { search_text: { value: 'datab' } } });
    expect(q('"connection tim"*').bool.filter[0]).toEqual({
      span_near: {
        clauses: [{ span_term: { search_text: 'connection' } }, { span_multi: { match: { prefix: { search_text: { value: 'tim' } } } } }],
        slop: 0,
        in_order: true,
      },
    });
  });

  it('text without spaces becomes its bigrams; a lone character a prefix', () => {
    expect(q('東京都').bool.filter[0].match_phrase.search_text.query).toBe('東京 京都');
    expect(q('天').bool.filter[0]).toEqual({ prefix: { search_text: { value: '天' } } });
  });

  it('exclusions are must_not; query syntax of any kind is only text', () => {
    expect(q('refund -"staging run"').bool.must_not).toEqual([{ match_phrase: { search_text: { query: 'staging run', analyzer: 'ledger_tokens', slop: 0 } } }]);
    expect(q('a:b OR (c)').bool.filter.map((f: any) => f.term?.search_text.value ?? f.match_phrase?.search_text.query)).toEqual(['a b', 'or', 'c']);
  });
});

describe('RunQuery → filters on the runs index', () => {
  const base = { scope: A, sort_by: 'timestamp' as const, sort_order: 'desc' as const, page: 0, page_size: 10 };
  const filters = (q: Parameters<typeof runFilterQuery>[0], ids: string[] | null = null) => (runFilterQuery(q, ids) as any).bool.filter;

  it('scopes a user to the runs of their own (the run user)', () => {
    expect(filters({ ...base, scope: { organization_id: 'org_a', user_id: 'u' } })).toEqual([{ term: { organization_id: 'org_a' } }, { term: { user_id: 'u' } }]);
  });

  it('derives status from the root counters', () => {
    expect(filters({ ...base, status: 'running' })).toContainEqual({ term: { root_count: 0 } });
    expect(filters({ ...base, status: 'failed' })).toContainEqual({ bool: { filter: [{ range: { root_count: { gt: 0 } } }, { term: { root_error: 1 } }] } });
  });

  it('searches the prompt-or-root name and the model, and filters by start and by the runs q matched', () => {
    const f = filters({ ...base, search: 'GPT*', start_us: 1, end_us: 2, agent_id: 'a' }, ['org_a/r1']);
    expect(f).toContainEqual({ bool: { should: [{ wildcard: { search_name_fold: { value: '*gpt\\**' } } }, { wildcard: { model_fold: { value: '*gpt\\**' } } }], minimum_should_match: 1 } });
    expect(f).toContainEqual({ range: { start_us: { gte: 1, lte: 2 } } });
    expect(f).toContainEqual({ term: { agent_id: 'a' } });
    expect(f).toContainEqual({ ids: { values: ['org_a/r1'] } });
  });
});
