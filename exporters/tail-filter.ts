import { OUTCOMES } from '../model/ledger-entry.js';
import { foldCase } from './sqlite/ledger-filter-sql.js';
import { matchesQuery } from '../model/query-match.js';
import type { LedgerFilter, TailEntry } from './store.js';

/**
 * Whether an entry of the tail is within the filter's scope and matches it,
 * with the stores' semantics (sqlite/ledger-filter-sql.ts, what the
 * conformance suite checks): exact values, inclusive bounds, `search` a
 * literal case-folded substring of the name, the agent id or the outcome.
 * `q` (full text, tokenised by each store's index) is not matched here: the
 * stream route refuses it.
 */
export function tailEntryMatches(filter: LedgerFilter, e: TailEntry): boolean {
  if (filter.q) throw new Error('full-text `q` cannot be matched outside the store');
  const { scope } = filter;
  if (scope.organization_id !== null && e.organization_id !== scope.organization_id) return false;
  if (scope.user_id && e.user_id !== scope.user_id) return false;
  if (filter.outcome !== undefined && e.outcome !== filter.outcome) return false;
  if (filter.action_name !== undefined && e.name !== filter.action_name) return false;
  if (filter.agent_id !== undefined && e.agent_id !== filter.agent_id) return false;
  if (filter.run_id !== undefined && e.run_id !== filter.run_id) return false;
  if (filter.min_cost_nanos !== undefined && e.cost_nanos < filter.min_cost_nanos) return false;
  if (filter.max_cost_nanos !== undefined && e.cost_nanos > filter.max_cost_nanos) return false;
  if (filter.start_us !== undefined && e.ts_us < filter.start_us) return false;
  if (filter.end_us !== undefined && e.ts_us > filter.end_us) return false;
  if (filter.kind !== undefined && e.kind !== filter.kind) return false;
  if (filter.model !== undefined && e.model !== filter.model) return false;
  if (filter.provider !== undefined && e.provider !== filter.provider) return false;
  if (filter.user_id !== undefined && e.user_id !== filter.user_id) return false;
  if (filter.service_name !== undefined && e.service_name !== filter.service_name) return false;
  if (filter.tag !== undefined && !e.tags.includes(filter.tag)) return false;
  if (filter.conversation_id !== undefined && e.conversation_id !== filter.conversation_id) return false;
  if (filter.entity !== undefined && !(e.entities[filter.entity.type] ?? []).includes(filter.entity.value)) return false;
  if (filter.search !== undefined) {
    const needle = foldCase(filter.search);
    const found =
      foldCase(e.name).includes(needle) ||
      (e.agent_id !== null && foldCase(e.agent_id).includes(needle)) ||
      OUTCOMES.some((o) => o === e.outcome && o.includes(needle));
    if (!found) return false;
  }
  if (filter.query !== undefined && !matchesQuery(filter.query, { ...JSON.parse(e.json), user_id: e.user_id })) return false;
  return true;
}
