import { CONVERSATION_ID_KEYS } from '../../collector/normalize/conversation-id.js';
import { OUTCOMES } from '../../model/ledger-entry.js';
import type { EntryFieldFilter, LedgerFilter, QueryScope } from '../store.js';
import type { Database } from './driver.js';
import { querySql } from './query-language-sql.js';

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
 * How to write the filter for SQLite's planner, which has no histograms:
 * `broad` (the filter matches many rows) keeps cost ranges off their index
 * and tests search terms row by row, so a page is found by scanning in sort
 * order and stopping early; otherwise matching rows are gathered through
 * their indexes and sorted.
 */
export interface FilterPlan {
  broad: boolean;
  /** The sort is on cost: its index serves the range, whatever the breadth. */
  sortByCost: boolean;
}

const NARROW: FilterPlan = { broad: false, sortByCost: false };

/**
 * LedgerFilter → WHERE over alias `e`, parameters only. Returns null when the
 * filter can match nothing (a search term found in no name, agent or outcome).
 */
export function ledgerWhere(db: Database, filter: LedgerFilter, plan: FilterPlan = NARROW): SqlFragment | null {
  const scope = scopeSql(filter.scope);
  const parts: string[] = scope.sql ? [scope.sql] : [];
  const params: unknown[] = [...scope.params];
  const add = (sql: string, ...values: unknown[]) => {
    parts.push(sql);
    params.push(...values);
  };
  // three outcomes against hundreds of names and agents: with one of those, unary + keeps the planner off the
  // outcome indexes (it read a day's 2k errors to find an agent's 8; estimates from a sampled ANALYZE misled it)
  const narrower = filter.action_name !== undefined || filter.agent_id !== undefined || filter.run_id !== undefined || filter.entity !== undefined;
  if (filter.outcome !== undefined) add(narrower ? '+e.outcome = ?' : 'e.outcome = ?', filter.outcome);
  if (filter.action_name !== undefined) add('e.name = ?', filter.action_name);
  if (filter.agent_id !== undefined) add('e.agent_id = ?', filter.agent_id);
  if (filter.run_id !== undefined) add('e.run_id = ?', filter.run_id);
  // unary + keeps the planner off the cost index
  const cost = plan.broad && !plan.sortByCost ? '+e.cost_nanos' : 'e.cost_nanos';
  if (filter.min_cost_nanos !== undefined) add(`${cost} >= ?`, filter.min_cost_nanos);
  if (filter.max_cost_nanos !== undefined) add(`${cost} <= ?`, filter.max_cost_nanos);
  if (filter.start_us !== undefined) add('e.ts_us >= ?', filter.start_us);
  if (filter.end_us !== undefined) add('e.ts_us <= ?', filter.end_us);
  const fields = entryFieldSql(filter, db);
  if (fields.sql) add(fields.sql, ...fields.params);
  if (filter.entity !== undefined) {
    const entity = entitySql(filter);
    add(entity.sql, ...entity.params);
  }
  if (filter.search !== undefined) {
    const search = searchSql(db, filter.scope, filter.search, plan.broad);
    if (!search) return null;
    add(search.sql, ...search.params);
  }
  return { sql: parts.length ? parts.join(' AND ') : '1', params };
}

/**
 * Entries whose `entities` rows (partition-schema.ts) hold this type and
 * value: a seek on the table's key (organization, type, value, time), the
 * time range inside it, and the entries read by seq.
 */
function entitySql(filter: LedgerFilter): SqlFragment {
  const { type, value } = filter.entity!;
  const parts = ['n.type = ?', 'n.value = ?'];
  const params: unknown[] = [type, value];
  if (filter.scope.organization_id !== null) {
    parts.unshift('n.organization_id = ?');
    params.unshift(filter.scope.organization_id);
  }
  if (filter.start_us !== undefined) {
    parts.push('n.ts_us >= ?');
    params.push(filter.start_us);
  }
  if (filter.end_us !== undefined) {
    parts.push('n.ts_us <= ?');
    params.push(filter.end_us);
  }
  return { sql: `e.seq IN (SELECT n.seq FROM entities n WHERE ${parts.join(' AND ')})`, params };
}

/**
 * Names and agent ids are few beside entries (hundreds, not millions), so the
 * substring match runs over their distinct values and the entry indexes do
 * the rest: exact for any length and any script, unlike a trigram index.
 */
function searchSql(db: Database, scope: QueryScope, search: string, broad: boolean): SqlFragment | null {
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
  const terms: Array<[string, string[]]> = [
    ['name', [...names]],
    ['agent_id', [...agents]],
    ['outcome', outcomes],
  ];
  const used = terms.filter(([, values]) => values.length > 0);
  if (!used.length) return null;
  if (broad) {
    return {
      sql: `(${used.map(([column]) => `e.${column} IN (SELECT value FROM json_each(?))`).join(' OR ')})`,
      params: used.map(([, values]) => JSON.stringify(values)),
    };
  }
  // One index lookup per matching term, united: never a scan of every entry.
  const orgScope = scopeSql({ organization_id: scope.organization_id }, 's');
  const branches = used.map(
    ([column]) =>
      `SELECT s.seq FROM entries s WHERE ${orgScope.sql ? `${orgScope.sql} AND ` : ''}s.${column} IN (SELECT value FROM json_each(?))`,
  );
  return {
    sql: `e.seq IN (${branches.join(' UNION ')})`,
    params: used.flatMap(([, values]) => [...orgScope.params, JSON.stringify(values)]),
  };
}

/**
 * The console's exact-value filters (store.ts EntryFieldFilter) over alias
 * `e`; empty SQL when none is given. No index serves these but the
 * organization's and the day's: a day is scanned once per query (see README,
 * "Ledger filters").
 */
export function entryFieldSql(f: EntryFieldFilter & { scope: QueryScope }, db: Database): SqlFragment {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    parts.push(sql);
    params.push(value);
  };
  if (f.kind !== undefined) add('e.kind = ?', f.kind);
  if (f.model !== undefined) add('e.model = ?', f.model);
  if (f.provider !== undefined) add('e.provider = ?', f.provider);
  if (f.user_id !== undefined) add('e.user_id = ?', f.user_id);
  if (f.service_name !== undefined) add('e.service_name = ?', f.service_name);
  if (f.tag !== undefined) add('EXISTS (SELECT 1 FROM json_each(e.tags) t WHERE t.value = ?)', f.tag);
  if (f.conversation_id !== undefined) add(`${CONVERSATION_ID_SQL} = ?`, f.conversation_id);
  if (f.query !== undefined) {
    const q = querySql(db, f.query, f.scope.organization_id);
    parts.push(q.sql);
    params.push(...q.params);
  }
  return { sql: parts.join(' AND '), params };
}

/** conversation-id.ts's conversationIdOf as SQL: the first present (non-null) key decides, and only a string counts. */
const CONVERSATION_ID_SQL = `CASE ${CONVERSATION_ID_KEYS.map((key) => {
  const path = `'$."${key}"'`;
  return `WHEN coalesce(json_type(e.attributes, ${path}), 'null') <> 'null' THEN (CASE json_type(e.attributes, ${path}) WHEN 'text' THEN json_extract(e.attributes, ${path}) END)`;
}).join(' ')} END`;
