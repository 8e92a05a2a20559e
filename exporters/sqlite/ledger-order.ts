import type { LedgerSortField, SortOrder } from '../store.js';

const SORT_COLUMN: Record<LedgerSortField, string> = {
  timestamp: 'e.ts_us',
  cost: 'e.cost_nanos',
  duration: 'e.duration_ms',
  name: 'e.name',
};

/** ORDER BY over alias `e`: the sort column, then id, in the same direction (DESIGN.md: sorts break ties on id). */
export function ledgerOrder(sortBy: LedgerSortField, sortOrder: SortOrder): string {
  const dir = sortOrder === 'asc' ? 'ASC' : 'DESC';
  return `${SORT_COLUMN[sortBy]} ${dir}, e.id ${dir}`;
}
