import { nanosFromDecimal } from './cost.js';
import type { LedgerEntry } from './ledger-entry.js';

/** An entry as the API shows it, with its user (kept by every store, not shown on the entry). */
export type QueryableEntry = LedgerEntry & { user_id: string | null };
import { leavesOf, piecesRegex, type Leaf } from './query-leaves.js';
import type { FieldTest, QueryBounds, QueryColumn, QueryExpr } from './query-language.js';

/**
 * A `query` expression over one entry in memory, with the stores' semantics
 * (the conformance suite holds both to the same answers): the live stream
 * matches with it, and the SQLite store calls `pathMatches` per row for
 * paths. Full text is the stores' index, so it is not matched here.
 */

function inBounds(v: number | string, b: QueryBounds): boolean {
  return (b.gt === undefined || v > b.gt) && (b.gte === undefined || v >= b.gte) && (b.lt === undefined || v < b.lt) && (b.lte === undefined || v <= b.lte);
}

/** UTF-16 order differs from UTF-8 (the stores' order) only past the BMP: compare code points. */
function textInBounds(v: string, b: QueryBounds): boolean {
  const cmp = (x: string, y: number | string) => Buffer.compare(Buffer.from(x), Buffer.from(String(y)));
  return (b.gt === undefined || cmp(v, b.gt) > 0) && (b.gte === undefined || cmp(v, b.gte) >= 0) && (b.lt === undefined || cmp(v, b.lt) < 0) && (b.lte === undefined || cmp(v, b.lte) <= 0);
}

const regexCache = new Map<string, RegExp>();
function wildcardRegex(pieces: string[]): RegExp {
  const key = JSON.stringify(pieces);
  let re = regexCache.get(key);
  if (!re) {
    if (regexCache.size > 256) regexCache.clear();
    re = piecesRegex(pieces);
    regexCache.set(key, re);
  }
  return re;
}

/** One value of a text field against a test (never `exists`, answered by the caller). */
function textMatches(v: string, test: FieldTest): boolean {
  switch (test.op) {
    case 'eq':
      return v === test.value;
    case 'wildcard':
      return wildcardRegex(test.pieces).test(v);
    case 'range':
      return textInBounds(v, test);
    default:
      return true;
  }
}

/**
 * Whether some leaf at `path` passes: text equality and wildcards on the
 * leaf's text; a range compares numbers when both bounds are numbers and the
 * leaf is one, else text (paths have no declared type).
 */
export function leavesMatch(leaves: readonly Leaf[], path: string, test: FieldTest): boolean {
  if (path === '') return test.op === 'exists' && leaves.length > 0;
  return leaves.some((l) => {
    if (l.path !== path) return false;
    if (test.op === 'exists') return true;
    if (test.op === 'eq') return l.text === String(test.value);
    if (test.op === 'range' && numericBounds(test)) return l.number !== null && inBounds(l.number, test);
    if (test.op === 'range') return l.number === null && textInBounds(l.text, test);
    return textMatches(l.text, test);
  });
}

const numericBounds = (b: QueryBounds) => [b.gt, b.gte, b.lt, b.lte].every((v) => v === undefined || typeof v === 'number' || isNumeric(v));
const isNumeric = (v: string) => /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v);

/** A path test's bounds as numbers when they all read as numbers (the text typed in the query). */
export function numericPathTest(test: FieldTest): FieldTest {
  if (test.op !== 'range' || !numericBounds(test)) return test;
  const n = (v: number | string | undefined) => (v === undefined ? undefined : Number(v));
  return { op: 'range', gt: n(test.gt), gte: n(test.gte), lt: n(test.lt), lte: n(test.lte) };
}

/** An entry's value of a column in the stores' units (cost in nano-USD, times in µs). */
function columnValue(e: QueryableEntry, column: QueryColumn): unknown {
  switch (column) {
    case 'cost_usd':
      return Number(nanosFromDecimal(e.cost_usd) ?? 0);
    case 'timestamp':
      return microsOf(e.timestamp);
    case 'end_timestamp':
      return microsOf(e.end_timestamp);
    default:
      return e[column];
  }
}

function microsOf(iso: string): number {
  const fraction = /\.(\d+)/.exec(iso)?.[1] ?? '';
  return Date.parse(iso) * 1000 + (Number(fraction.padEnd(6, '0').slice(3, 6)) || 0);
}

function columnMatches(e: QueryableEntry, column: QueryColumn, test: FieldTest): boolean {
  const raw = columnValue(e, column);
  const values = (Array.isArray(raw) ? raw : [raw]).filter((v) => v !== null && v !== undefined);
  if (test.op === 'exists') return values.length > 0;
  return values.some((v) => {
    if (typeof v === 'string') return textMatches(v, test);
    if (test.op === 'eq') return v === test.value;
    if (test.op === 'range') return inBounds(v as number, test);
    return false;
  });
}

/** The values of one entity type (model/entities.ts), as the stores' keyword lists. */
function entityMatches(values: readonly string[], test: FieldTest): boolean {
  return test.op === 'exists' ? values.length > 0 : values.some((v) => textMatches(v, test));
}

export function matchesQuery(expr: QueryExpr, e: QueryableEntry): boolean {
  switch (expr.type) {
    case 'and':
      return expr.children.every((c) => matchesQuery(c, e));
    case 'or':
      return expr.children.some((c) => matchesQuery(c, e));
    case 'not':
      return !matchesQuery(expr.child, e);
    case 'text':
      throw new Error('full text in `query` cannot be matched outside the store');
    case 'field':
      if (expr.field.kind === 'column') return columnMatches(e, expr.field.column, expr.test);
      if (expr.field.kind === 'entity') return entityMatches(e.entities?.[expr.field.type] ?? [], expr.test);
      return leavesMatch(leavesOf(e[expr.field.root]), expr.field.path, numericPathTest(expr.test));
  }
}
