import type { estypes } from '@elastic/elasticsearch';
import { CONVERSATION_ID_KEYS } from '../../collector/normalize/conversation-id.js';
import { OUTCOMES } from '../../model/ledger-entry.js';
import type { EntryFieldFilter, LedgerFilter, LedgerSortField, QueryScope, SortOrder } from '../store.js';
import { fullTextQuery } from './fulltext-dsl.js';
import { queryLanguageDsl } from './query-language-dsl.js';
import { containsPattern, foldCase } from './search-fold.js';

type Query = estypes.QueryDslQueryContainer;

/** The tenant scope as filters; always applied, first, by construction. */
export function scopeFilters(scope: QueryScope, userField = 'user_id'): Query[] {
  const filters: Query[] = [];
  if (scope.organization_id !== null) filters.push({ term: { organization_id: scope.organization_id } });
  if (scope.user_id) filters.push({ term: { [userField]: scope.user_id } });
  return filters;
}

export function inclusiveRange(field: string, gte: number | undefined, lte: number | undefined): Query[] {
  if (gte === undefined && lte === undefined) return [];
  return [{ range: { [field]: { ...(gte === undefined ? {} : { gte }), ...(lte === undefined ? {} : { lte }) } } }];
}

/**
 * The seed's `search`: a literal substring of the action name, the agent id
 * or the outcome. Name and agent id are matched on their folded copies
 * (search-fold.ts); the three outcomes are known, so the ones containing
 * the text are picked here.
 */
export function searchQuery(search: string): Query {
  const pattern = containsPattern(search);
  const should: Query[] = [
    { wildcard: { name_fold: { value: pattern } } },
    { wildcard: { agent_fold: { value: pattern } } },
  ];
  const needle = foldCase(search);
  const outcomes = OUTCOMES.filter((o) => o.includes(needle));
  if (outcomes.length) should.push({ terms: { outcome: outcomes } });
  return { bool: { should, minimum_should_match: 1 } };
}

/** LedgerFilter → one bool query of filters (no scoring: every query here is an exact set). */
export function ledgerFilterQuery(f: LedgerFilter): Query {
  const filter: Query[] = [...scopeFilters(f.scope)];
  if (f.outcome !== undefined) filter.push({ term: { outcome: f.outcome } });
  if (f.action_name !== undefined) filter.push({ term: { name: f.action_name } });
  if (f.agent_id !== undefined) filter.push({ term: { agent_id: f.agent_id } });
  if (f.run_id !== undefined) filter.push({ term: { run_id: f.run_id } });
  filter.push(...inclusiveRange('cost_nanos', f.min_cost_nanos, f.max_cost_nanos));
  filter.push(...inclusiveRange('ts_us', f.start_us, f.end_us));
  filter.push(...entryFieldFilters(f));
  if (f.search !== undefined) filter.push(searchQuery(f.search));
  if (f.q !== undefined) filter.push(fullTextQuery(f.q));
  // entity-mapping.ts: one keyword array per type
  if (f.entity !== undefined) filter.push({ term: { [`entities.${f.entity.type}`]: f.entity.value } });
  return { bool: { filter } };
}

/** The console's exact-value filters (store.ts EntryFieldFilter). */
export function entryFieldFilters(f: EntryFieldFilter): Query[] {
  const filter: Query[] = [];
  const fields = ['kind', 'model', 'provider', 'user_id', 'service_name'] as const;
  for (const field of fields) if (f[field] !== undefined) filter.push({ term: { [field]: f[field] } });
  if (f.tag !== undefined) filter.push({ term: { tags: f.tag } });
  if (f.conversation_id !== undefined) filter.push(conversationIdQuery(f.conversation_id));
  if (f.query !== undefined) filter.push(queryLanguageDsl(f.query));
  return filter;
}

/**
 * conversation-id.ts's conversationIdOf over the flattened `attributes`: key
 * i matches only when no key before it is present. Flattened leaves are
 * keywords, so a number or a list element there equal to the text matches
 * too (the SQLite store counts strings only; the README says so).
 */
function conversationIdQuery(value: string): Query {
  const should = CONVERSATION_ID_KEYS.map((key, i): Query => ({
    bool: {
      filter: [{ term: { [`attributes.${key}`]: value } }],
      must_not: CONVERSATION_ID_KEYS.slice(0, i).map((earlier): Query => ({ exists: { field: `attributes.${earlier}` } })),
    },
  }));
  return { bool: { should, minimum_should_match: 1 } };
}

const SORT_FIELD: Record<LedgerSortField, string> = {
  timestamp: 'ts_us',
  cost: 'cost_nanos',
  duration: 'duration_ms',
  name: 'name',
};

/** The sort, then `id` in the same direction (DESIGN.md: sorts break ties on id; search_after needs a unique last key). */
export function ledgerSort(sortBy: LedgerSortField, order: SortOrder): estypes.SortCombinations[] {
  return [{ [SORT_FIELD[sortBy]]: { order } }, { id: { order } }];
}
