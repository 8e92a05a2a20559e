import type { EntityType } from '../../model/entities.js';
import type { FieldTest, QueryColumn, QueryExpr } from '../../model/query-language.js';
import { leavesOf } from '../../model/query-leaves.js';
import { leavesMatch, numericPathTest } from '../../model/query-match.js';
import type { Database } from './driver.js';
import { assertFullTextReady, FTS_MATCHES } from './fulltext-plan.js';
import { matchExpression } from './fts-text.js';
import { scopeSql, type SqlFragment } from './ledger-filter-sql.js';
import type { QueryScope } from '../store.js';
import type { SearchQuery } from '../../model/search-query.js';

/**
 * A `query` expression (model/query-language.ts) as SQL over alias `e`:
 * every value a bound parameter, wildcards as GLOB patterns with GLOB's own
 * specials escaped (GLOB is case-sensitive, as Elasticsearch's keyword
 * wildcards are). Each predicate is true or false, never NULL, so NOT of it
 * holds for entries without the field (as `must_not` does). Paths inside the
 * JSON columns go through `ledger_query_path` (registered on every
 * connection), which reads the leaves as model/query-leaves.ts defines them
 * for every store; `entities.<type>` seeks the partition's `entities` table
 * on its key (organization, type, value); bare words are the `q` index
 * (FTS5), as `q` reads it.
 */

const COLUMN_SQL: Record<QueryColumn, { sql: string; nullable: boolean; array?: true }> = {
  id: { sql: 'e.id', nullable: false },
  name: { sql: 'e.name', nullable: false },
  outcome: { sql: 'e.outcome', nullable: false },
  kind: { sql: 'e.kind', nullable: false },
  agent_id: { sql: 'e.agent_id', nullable: true },
  model: { sql: 'e.model', nullable: true },
  provider: { sql: 'e.provider', nullable: true },
  service_name: { sql: 'e.service_name', nullable: true },
  user_id: { sql: 'e.user_id', nullable: true },
  run_id: { sql: 'e.run_id', nullable: false },
  trace_id: { sql: 'e.trace_id', nullable: false },
  span_id: { sql: 'e.span_id', nullable: false },
  parent_span_id: { sql: 'e.parent_span_id', nullable: true },
  organization_id: { sql: 'e.organization_id', nullable: false },
  status_message: { sql: 'e.status_message', nullable: true },
  cost_usd: { sql: 'e.cost_nanos', nullable: false },
  duration_ms: { sql: 'e.duration_ms', nullable: false },
  input_tokens: { sql: 'e.input_tokens', nullable: true },
  output_tokens: { sql: 'e.output_tokens', nullable: true },
  total_tokens: { sql: 'e.total_tokens', nullable: true },
  redactions: { sql: 'e.redactions', nullable: false },
  timestamp: { sql: 'e.ts_us', nullable: false },
  end_timestamp: { sql: 'e.end_us', nullable: false },
  tags: { sql: 'e.tags', nullable: false, array: true },
  truncated_fields: { sql: 'e.truncated_fields', nullable: false, array: true },
};

const PATH_COLUMN = { inputs: 'e.inputs', outputs: 'e.outputs', compliance_metadata: 'e.compliance', attributes: 'e.attributes' } as const;

/** GLOB's specials (`*`, `?`, `[`) as literals. */
const globLiteral = (s: string) => s.replace(/[*?[]/g, (c) => `[${c}]`);

/** One value (alias `v`) against a test, with its parameters. */
function valueTest(v: string, test: FieldTest): SqlFragment {
  switch (test.op) {
    case 'eq':
      return { sql: `${v} = ?`, params: [test.value] };
    case 'wildcard':
      return { sql: `${v} GLOB ?`, params: [test.pieces.map(globLiteral).join('*')] };
    case 'exists':
      return { sql: `${v} IS NOT NULL`, params: [] };
    case 'range': {
      const parts: string[] = [];
      const params: unknown[] = [];
      for (const [op, sql] of [['gt', '>'], ['gte', '>='], ['lt', '<'], ['lte', '<=']] as const) {
        if (test[op] === undefined) continue;
        parts.push(`${v} ${sql} ?`);
        params.push(test[op]);
      }
      return { sql: parts.join(' AND '), params };
    }
  }
}

function columnSql(column: QueryColumn, test: FieldTest): SqlFragment {
  const c = COLUMN_SQL[column];
  if (c.array) {
    if (test.op === 'exists') return { sql: `json_array_length(${c.sql}) > 0`, params: [] };
    const inner = valueTest('t.value', test);
    return { sql: `EXISTS (SELECT 1 FROM json_each(${c.sql}) t WHERE ${inner.sql})`, params: inner.params };
  }
  const inner = valueTest(c.sql, test);
  // false, not NULL, where the column is NULL: NOT then holds there
  if (c.nullable && test.op !== 'exists') return { sql: `(${c.sql} IS NOT NULL AND ${inner.sql})`, params: inner.params };
  return { sql: `(${inner.sql})`, params: inner.params };
}

/** The least string above every string that starts with `prefix` (code point order, SQLite's BINARY order of UTF-8), or null for none. */
function prefixEnd(prefix: string): string | null {
  if (/\p{Cs}/u.test(prefix)) return null; // a lone surrogate has no place in UTF-8 order
  const chars = Array.from(prefix);
  while (chars.length) {
    const c = chars.pop()!.codePointAt(0)!;
    if (c < 0x10ffff) return chars.join('') + String.fromCodePoint(c + 1 === 0xd800 ? 0xe000 : c + 1);
  }
  return null;
}

/**
 * Entries with an extracted entity of this type passing the test: the seq
 * set read off the `entities` key (organization, type, value) of the
 * partition, the caller's organization first (a superuser's scope reads
 * every organization's rows of the type). A wildcard with a literal start
 * is also a key range, so `entities.host:evil*` seeks rather than scans.
 */
function entitySql(type: EntityType, test: FieldTest, organizationId: string | null): SqlFragment {
  const parts = ['n.type = ?'];
  const params: unknown[] = [type];
  if (organizationId !== null) {
    parts.unshift('n.organization_id = ?');
    params.unshift(organizationId);
  }
  if (test.op === 'wildcard' && test.pieces[0] !== '') {
    parts.push('n.value >= ?');
    params.push(test.pieces[0]);
    const end = prefixEnd(test.pieces[0]);
    if (end !== null) {
      parts.push('n.value < ?');
      params.push(end);
    }
  }
  if (test.op !== 'exists') {
    const inner = valueTest('n.value', test);
    parts.push(inner.sql);
    params.push(...inner.params);
  }
  return { sql: `(e.seq IN (SELECT n.seq FROM entities n WHERE ${parts.join(' AND ')}))`, params };
}

/** `organizationId`: the caller's scope's, which the entities table is keyed by (null for a superuser). */
export function querySql(db: Database, expr: QueryExpr, organizationId: string | null): SqlFragment {
  switch (expr.type) {
    case 'and':
    case 'or': {
      const parts = expr.children.map((c) => querySql(db, c, organizationId));
      return { sql: `(${parts.map((p) => p.sql).join(expr.type === 'and' ? ' AND ' : ' OR ')})`, params: parts.flatMap((p) => p.params) };
    }
    case 'not': {
      const inner = querySql(db, expr.child, organizationId);
      return { sql: `(NOT ${inner.sql})`, params: inner.params };
    }
    case 'text':
      assertFullTextReady(db);
      // `+` keeps the planner from driving the query by the match set
      return { sql: `(+e.seq IN (${FTS_MATCHES}))`, params: [matchExpression(expr.query, null)] };
    case 'field':
      if (expr.field.kind === 'column') return columnSql(expr.field.column, expr.test);
      if (expr.field.kind === 'entity') return entitySql(expr.field.type, expr.test, organizationId);
      return {
        sql: `ledger_query_path(${PATH_COLUMN[expr.field.root]}, ?)`,
        params: [JSON.stringify({ path: expr.field.path, test: numericPathTest(expr.test) })],
      };
  }
}

const tests = new Map<string, { path: string; test: FieldTest }>();

/** `ledger_query_path(json, test)`: 1 when a leaf at the test's path passes it (model/query-match.ts leavesMatch), else 0. */
export function registerQueryFunctions(db: Database): void {
  db.function('ledger_query_path', { deterministic: true }, (json: unknown, spec: unknown) => {
    if (typeof json !== 'string' || typeof spec !== 'string') return 0;
    let t = tests.get(spec);
    if (!t) {
      if (tests.size > 1024) tests.clear();
      t = JSON.parse(spec) as { path: string; test: FieldTest };
      tests.set(spec, t);
    }
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      return 0;
    }
    return leavesMatch(leavesOf(value), t.path, t.test) ? 1 : 0;
  });
}

/** The runs (organization, run, user '' for none) of one day with an action matching `query` (and `q`) within the scope. */
export function runsMatchingQuery(db: Database, query: QueryExpr, q: SearchQuery | undefined, scope: QueryScope): Array<[string, string, string]> {
  const org = scope.organization_id;
  const parts = [scopeSql(scope), querySql(db, query, org), ...(q ? [querySql(db, { type: 'text', query: q }, org)] : [])].filter((p) => p.sql);
  return db
    .prepare(`SELECT DISTINCT e.organization_id, e.run_id, coalesce(e.user_id, '') FROM entries e WHERE ${parts.map((p) => p.sql).join(' AND ')}`)
    .raw()
    .all(...parts.flatMap((p) => p.params)) as Array<[string, string, string]>;
}
