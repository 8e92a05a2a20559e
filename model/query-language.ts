import { MAX_COST_NANOS, nanosFromDecimal } from './cost.js';
import { ENTITY_TYPES, isEntityType, type EntityType } from './entities.js';
import { parseRunId } from './ids.js';
import { ACTION_KINDS, OUTCOMES } from './ledger-entry.js';
import { parseSearchQuery, SearchQueryError, type SearchQuery } from './search-query.js';
import { DATE_ONLY, microsFromDateText } from './time.js';
import { parseSyntax, QuerySyntaxError, type CompareOp, type SyntaxNode, type SyntaxValue } from './query-syntax.js';

export { QuerySyntaxError as QueryError } from './query-syntax.js';

/**
 * The `query` parameter's meaning (README, "Query language"): the syntax
 * tree (query-syntax.ts) checked against the entry's fields and turned into
 * a store-neutral expression, values already in the stores' units (cost in
 * nano-USD, times in µs). Stores translate this, never the text.
 */

/** Entry fields by their API name, with how they are compared. */
const COLUMN_TYPES = {
  id: 'keyword', name: 'keyword', outcome: 'enum', kind: 'enum', agent_id: 'keyword', model: 'keyword', provider: 'keyword',
  service_name: 'keyword', user_id: 'keyword', run_id: 'keyword', trace_id: 'keyword', span_id: 'keyword', parent_span_id: 'keyword',
  organization_id: 'keyword', status_message: 'text', cost_usd: 'cost', duration_ms: 'number', input_tokens: 'number',
  output_tokens: 'number', total_tokens: 'number', redactions: 'number', timestamp: 'date', end_timestamp: 'date',
  tags: 'keyword', truncated_fields: 'keyword',
} as const;

export type QueryColumn = keyof typeof COLUMN_TYPES;
type ColumnType = (typeof COLUMN_TYPES)[QueryColumn];
const ALIASES: Record<string, QueryColumn> = { action_name: 'name' };
/** Objects whose every path is a field. */
export const PATH_ROOTS = ['inputs', 'outputs', 'compliance_metadata', 'attributes'] as const;
export type PathRoot = (typeof PATH_ROOTS)[number];
/** Fields of the entry that no store can filter on. */
const NOT_QUERYABLE: Record<string, string> = {
  run_status: 'is the run\'s status, not the entry\'s: use GET /api/v1/runs?status=…',
  highlights: 'is not stored',
};

/** Extracted entities (model/entities.ts): `entities.<type>`, each an indexed list of values. */
const ENTITY_FIELDS = ENTITY_TYPES.map((t) => `entities.${t}`).join(', ');

export const QUERY_FIELDS: readonly string[] = [
  ...Object.keys(COLUMN_TYPES), ...Object.keys(ALIASES), ...PATH_ROOTS.map((r) => `${r}.<path>`), `entities.<${ENTITY_TYPES.join('|')}>`,
];

export type QueryField = { kind: 'column'; column: QueryColumn } | { kind: 'path'; root: PathRoot; path: string } | { kind: 'entity'; type: EntityType };

/**
 * Types whose stored values are all lowercase (model/entities.ts): a wildcard over them is folded, so `*.EVIL.example`
 * still matches. Not email: a pseudonym is `[EMAIL:<hex>]`.
 */
const LOWERCASE_ENTITIES: ReadonlySet<EntityType> = new Set(['host', 'ip']);

export interface QueryOptions {
  /**
   * An exact entity value as ingest stores it (a host lowercase and
   * punycode, an IPv6 address compressed, a URL as WHATWG writes it): the
   * query API passes the collector's normaliser, so the model needs none.
   */
  entityValue?: (type: EntityType, value: string) => string;
}

interface State {
  clauses: number;
  options: QueryOptions;
}

/** Bounds of a range; each either side may be open. Numbers for numeric fields, text for keyword fields and paths. */
export interface QueryBounds {
  gt?: number | string;
  gte?: number | string;
  lt?: number | string;
  lte?: number | string;
}

export type FieldTest =
  | { op: 'eq'; value: string | number }
  /** Literal pieces between `*`s (at least two pieces). */
  | { op: 'wildcard'; pieces: string[] }
  | { op: 'exists' }
  | ({ op: 'range' } & QueryBounds);

export type QueryExpr =
  | { type: 'and' | 'or'; children: QueryExpr[] }
  | { type: 'not'; child: QueryExpr }
  /** Bare words and phrases: full text, exactly as `q`. */
  | { type: 'text'; query: SearchQuery }
  | { type: 'field'; field: QueryField; test: FieldTest };

export const MAX_QUERY_LENGTH = 2000;
export const MAX_CLAUSES = 64;
export const MAX_DEPTH = 32;
export const MAX_WILDCARDS = 8;

const fail = (reason: string, column: number | null): never => {
  throw new QuerySyntaxError(reason, column);
};

/** The text to a syntax tree (query-syntax.ts): the grammar only. */
export function parseQuery(text: string): SyntaxNode {
  if (text.length > MAX_QUERY_LENGTH) fail(`must be at most ${MAX_QUERY_LENGTH} characters`, null);
  return parseSyntax(text);
}

/** A syntax tree to the expression stores run: fields known, values typed, bounds held; QueryError (with the column) otherwise. */
export function validateQuery(tree: SyntaxNode, now = Date.now(), options: QueryOptions = {}): QueryExpr {
  return toExpr(tree, 1, { clauses: 0, options }, now);
}

/** parseQuery then validateQuery. */
export function compileQuery(text: string, now = Date.now(), options: QueryOptions = {}): QueryExpr {
  return validateQuery(parseQuery(text), now, options);
}

function toExpr(node: SyntaxNode, depth: number, state: State, now: number): QueryExpr {
  if (depth > MAX_DEPTH) fail(`nests deeper than ${MAX_DEPTH} levels`, 'column' in node ? node.column : null);
  switch (node.type) {
    case 'and':
    case 'or':
      return { type: node.type, children: node.children.map((c) => toExpr(c, depth + 1, state, now)) };
    case 'not':
      return { type: 'not', child: toExpr(node.child, depth + 1, state, now) };
    case 'text':
      count(state, node.value.column);
      return { type: 'text', query: fullText(node.value) };
    default:
      count(state, node.column);
      return fieldExpr(node, now, state.options);
  }
}

function count(state: State, column: number): void {
  if (++state.clauses > MAX_CLAUSES) fail(`has more than ${MAX_CLAUSES} clauses`, column);
}

/** A bare word or phrase is `q` text (model/search-query.ts), so it finds what `q` finds. */
function fullText(v: SyntaxValue): SearchQuery {
  // the `q` syntax of the same value: a phrase stays a phrase, a trailing `*` stays a prefix; a star inside is text, as in `q`
  const text = v.quoted ? `"${v.pieces[0].replace(/"/g, ' ')}"` : v.pieces.join('*').replace(/^-+/, '').replace(/"/g, ' ');
  try {
    return parseSearchQuery(text);
  } catch (err) {
    if (err instanceof SearchQueryError) fail(`full-text term ${err.message}`, v.column);
    throw err;
  }
}

function resolveField(name: string, column: number): QueryField {
  const own = (o: object, k: string) => Object.hasOwn(o, k);
  if (own(COLUMN_TYPES, name)) return { kind: 'column', column: name as QueryColumn };
  if (own(ALIASES, name)) return { kind: 'column', column: ALIASES[name] };
  for (const root of PATH_ROOTS) {
    if (name === root) return { kind: 'path', root, path: '' };
    if (name.startsWith(`${root}.`) && name.length > root.length + 1) return { kind: 'path', root, path: name.slice(root.length + 1) };
  }
  if (name === 'entities' || name.startsWith('entities.')) {
    const type = name.slice('entities.'.length);
    if (name === 'entities' || type === '') fail(`\`entities\` needs a type: ${ENTITY_FIELDS}`, column);
    if (!isEntityType(type)) fail(`has an unknown entity type \`${type}\` in \`${name}\` (entity fields: ${ENTITY_FIELDS})`, column);
    return { kind: 'entity', type: type as EntityType };
  }
  if (own(NOT_QUERYABLE, name)) fail(`field \`${name}\` ${NOT_QUERYABLE[name]}`, column);
  return fail(`has an unknown field \`${name}\` (fields: ${QUERY_FIELDS.join(', ')})`, column);
}

const isStar = (v: SyntaxValue) => !v.quoted && v.pieces.length === 2 && v.pieces[0] === '' && v.pieces[1] === '';
const literal = (v: SyntaxValue) => v.pieces.join('*');

function fieldExpr(node: Exclude<SyntaxNode, { type: 'and' | 'or' | 'not' | 'text' }>, now: number, options: QueryOptions): QueryExpr {
  const field = resolveField(node.field, node.column);
  if (field.kind === 'entity') return entityExpr(field, fieldExprOf(node, field, 'keyword', now), options);
  return fieldExprOf(node, field, field.kind === 'path' ? 'path' : COLUMN_TYPES[field.column], now);
}

/** An entity clause reads values as ingest wrote them: exact values normalised, wildcards over lowercase types folded. */
function entityExpr(field: { kind: 'entity'; type: EntityType }, expr: QueryExpr, options: QueryOptions): QueryExpr {
  if (expr.type !== 'field') return expr;
  const { test } = expr;
  if (test.op === 'eq' && options.entityValue) return { ...expr, test: { op: 'eq', value: options.entityValue(field.type, String(test.value)) } };
  if (test.op === 'wildcard' && LOWERCASE_ENTITIES.has(field.type)) return { ...expr, test: { op: 'wildcard', pieces: test.pieces.map((p) => p.toLowerCase()) } };
  return expr;
}

function fieldExprOf(node: Exclude<SyntaxNode, { type: 'and' | 'or' | 'not' | 'text' }>, field: QueryField, type: ColumnType | 'path', now: number): QueryExpr {
  const name = node.field;
  if (field.kind === 'path' && field.path === '' && !(node.type === 'match' && isStar(node.value))) {
    fail(`\`${name}\` takes only \`${name}:*\` (has any value); name a path inside it (\`${name}.key\`)`, node.column);
  }
  if (node.type === 'match') {
    if (isStar(node.value)) return { type: 'field', field, test: { op: 'exists' } };
    if (node.value.pieces.length > 1) return { type: 'field', field, test: wildcard(name, type, node.value) };
    if (type === 'date' && DATE_ONLY.test(literal(node.value))) {
      // `timestamp:2024-12-01` is that whole UTC day
      const gte = scalar(name, type, node.value, 'gte', now) as number;
      return { type: 'field', field, test: { op: 'range', gte, lte: scalar(name, type, node.value, 'lte', now) as number } };
    }
    return { type: 'field', field, test: { op: 'eq', value: scalar(name, type, node.value, 'eq', now) } };
  }
  if (type === 'enum') fail(`\`${name}\` cannot be compared with a range`, node.column);
  const bounds: QueryBounds = {};
  if (node.type === 'compare') {
    bounds[node.op] = scalar(name, type, node.value, node.op, now) as number | string;
  } else {
    if (node.lower) bounds[node.includeLower ? 'gte' : 'gt'] = scalar(name, type, node.lower, node.includeLower ? 'gte' : 'gt', now) as number | string;
    if (node.upper) bounds[node.includeUpper ? 'lte' : 'lt'] = scalar(name, type, node.upper, node.includeUpper ? 'lte' : 'lt', now) as number | string;
    if (!node.lower && !node.upper) return { type: 'field', field, test: { op: 'exists' } };
  }
  return { type: 'field', field, test: { op: 'range', ...bounds } };
}

function wildcard(name: string, type: ColumnType | 'path', v: SyntaxValue): FieldTest {
  if (type !== 'keyword' && type !== 'text' && type !== 'path' && type !== 'enum') {
    fail(`\`${name}\` is not text: a \`*\` wildcard is not allowed there`, v.column);
  }
  if (v.pieces.length - 1 > MAX_WILDCARDS) fail(`a value may hold at most ${MAX_WILDCARDS} wildcards`, v.column);
  if (v.pieces.some((p) => p.includes('\u0000'))) fail('a wildcard value cannot hold a NUL character', v.column);
  return { op: 'wildcard', pieces: v.pieces };
}

const DATE_MATH = /^now(?:([+-])(\d{1,6})([smhdw]))?$/;
const UNIT_US = { s: 1e6, m: 60e6, h: 3600e6, d: 86_400e6, w: 604_800e6 } as const;

/** A value in the field's units; the comparison decides how a bare date is read (its first or last µs). */
function scalar(name: string, type: ColumnType | 'path', v: SyntaxValue, op: CompareOp | 'eq', now: number): string | number {
  const text = literal(v);
  switch (type) {
    case 'keyword':
    case 'text':
    case 'path':
      return name === 'run_id' ? (parseRunId(text) ?? text) : text;
    case 'enum': {
      const allowed: readonly string[] = name === 'outcome' ? OUTCOMES : ACTION_KINDS;
      if (!allowed.includes(text)) fail(`\`${name}\` is one of ${allowed.join(', ')}, not \`${text}\``, v.column);
      return text;
    }
    case 'number': {
      const n = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text) ? Number(text) : NaN;
      if (!Number.isFinite(n)) fail(`\`${name}\` needs a number, not \`${text}\``, v.column);
      return n;
    }
    case 'cost': {
      // a bound between two nanos moves inwards, as min_cost / max_cost do (ledger-params.ts)
      const rounding = op === 'gt' || op === 'lte' ? 'down' : op === 'eq' ? 'nearest' : 'up';
      const nanos = /^\d{1,30}(\.\d{1,30})?$/.test(text) ? nanosFromDecimal(text, rounding) : null;
      if (nanos === null) fail(`\`${name}\` needs a non-negative amount of USD in decimal notation, not \`${text}\``, v.column);
      if (op === 'eq' && nanosFromDecimal(text, 'up') !== nanosFromDecimal(text, 'down')) return -1; // finer than a nano: no cost equals it
      return nanos! > BigInt(MAX_COST_NANOS) ? MAX_COST_NANOS + 1 : Number(nanos);
    }
    case 'date': {
      const math = DATE_MATH.exec(text);
      if (math) {
        const offset = math[1] ? Number(math[2]) * UNIT_US[math[3] as keyof typeof UNIT_US] : 0;
        return now * 1000 + (math[1] === '-' ? -offset : offset);
      }
      // a bare date is a whole day: `>` and `<=` take its last µs, `>=`, `<` and `:` its first (`:` becomes a range below)
      const us = microsFromDateText(text, op === 'gt' || op === 'lte' ? 'end' : 'start');
      if (typeof us === 'string') fail(`\`${name}\` ${us}, or now-<n><s|m|h|d|w>`, v.column);
      return us as number;
    }
  }
}

/** Whether the expression, ANDed with the rest of the request, bounds the time from below: every match then lies in a range. */
export function boundsTimeFromBelow(expr: QueryExpr): boolean {
  if (expr.type === 'and') return expr.children.some(boundsTimeFromBelow);
  if (expr.type === 'or') return expr.children.every(boundsTimeFromBelow);
  return expr.type === 'field' && expr.field.kind === 'column' && expr.field.column === 'timestamp' && expr.test.op === 'range' &&
    (expr.test.gt !== undefined || expr.test.gte !== undefined);
}

/** The first wildcard whose first piece is empty (`*@gmail.com`): it reads every value of its field. */
export function hasLeadingWildcard(expr: QueryExpr): boolean {
  if (expr.type === 'and' || expr.type === 'or') return expr.children.some(hasLeadingWildcard);
  if (expr.type === 'not') return hasLeadingWildcard(expr.child);
  return expr.type === 'field' && expr.test.op === 'wildcard' && expr.test.pieces[0] === '';
}

/** Whether it holds bare words (full text): stores that cannot search text refuse those. */
export function hasFullText(expr: QueryExpr): boolean {
  if (expr.type === 'and' || expr.type === 'or') return expr.children.some(hasFullText);
  if (expr.type === 'not') return hasFullText(expr.child);
  return expr.type === 'text';
}
