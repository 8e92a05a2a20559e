import { OUTCOMES } from '../../model/ledger-entry.js';
import type { LedgerFilter, QueryScope } from '../store.js';
import type { Database } from './driver.js';

export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/** The tenant scope as SQL over alias `e`: always applied, first, by construction. */
export function scopeSql(scope: QueryScope, alias = 'e'): SqlFragment {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (scope.organization_id !== null) {
    parts.push(`${alias}.organization_id = ?`);
    params.push(scope.organization_id);
  }
  if (scope.user_id) {
    parts.push(`${alias}.user_id = ?`);
    params.push(scope.user_id);
  }
  return { sql: parts.join(' AND '), params };
}

/** Unicode case-insensitive, literal: the seed's `search` (never query syntax). */
export function foldCase(s: string): string {
  return s.normalize('NFC').toLowerCase();
}

/**
 * LedgerFilter → WHERE over alias `e`, parameters only. Returns null when the
 * filter can match nothing (a search term found in no name, agent or outcome).
 */
export function ledgerWhere(db: Database, filter: LedgerFilter): SqlFragment | null {
  const scope = scopeSql(filter.scope);
  const parts: string[] = scope.sql ? [scope.sql] : [];
  const params: unknown[] = [...scope.params];
  const add = (sql: string, ...values: unknown[]) => {
    parts.push(sql);
    params.push(...values);
  };
  if (filter.outcome !== undefined) add('e.outcome = ?', filter.outcome);
  if (filter.action_name !== undefined) add('e.name = ?', filter.action_name);
  if (filter.agent_id !== undefined) add('e.agent_id = ?', filter.agent_id);
  if (filter.run_id !== undefined) add('e.run_id = ?', filter.run_id);
  if (filter.min_cost_micros !== undefined) add('e.cost_micros >= ?', filter.min_cost_micros);
  if (filter.max_cost_micros !== undefined) add('e.cost_micros <= ?', filter.max_cost_micros);
  if (filter.start_us !== undefined) add('e.ts_us >= ?', filter.start_us);
  if (filter.end_us !== undefined) add('e.ts_us <= ?', filter.end_us);
  if (filter.search !== undefined) {
    const search = searchSql(db, filter.scope, filter.search);
    if (!search) return null;
    add(search.sql, ...search.params);
  }
  return { sql: parts.length ? parts.join(' AND ') : '1', params };
}

/**
 * Names and agent ids are few beside entries (hundreds, not millions), so the
 * substring match runs over their distinct values and the entry indexes do
 * the rest: exact for any length and any script, unlike a trigram index.
 */
function searchSql(db: Database, scope: QueryScope, search: string): SqlFragment | null {
  const needle = foldCase(search);
  const termScope = scopeSql({ organization_id: scope.organization_id }, 't');
  const rows = db
    .prepare(`SELECT field, value FROM search_terms t ${termScope.sql ? `WHERE ${termScope.sql}` : ''}`)
    .raw()
    .all(...termScope.params) as Array<[string, string]>;
  const names = new Set<string>();
  const agents = new Set<string>();
  for (const [field, value] of rows) {
    if (!foldCase(value).includes(needle)) continue;
    (field === 'name' ? names : agents).add(value);
  }
  const outcomes = OUTCOMES.filter((o) => o.includes(needle));
  const parts: string[] = [];
  const params: unknown[] = [];
  if (names.size) {
    parts.push('e.name IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify([...names]));
  }
  if (agents.size) {
    parts.push('e.agent_id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify([...agents]));
  }
  if (outcomes.length) {
    parts.push('e.outcome IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(outcomes));
  }
  if (!parts.length) return null;
  return { sql: `(${parts.join(' OR ')})`, params };
}
