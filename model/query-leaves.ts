/**
 * What a path inside `inputs`, `outputs`, `compliance_metadata` or
 * `attributes` holds, for the `query` language: its leaves, as Elasticsearch's
 * `flattened` type reads an object (keys joined by dots, so a stored key
 * `gen_ai.request.model` and nested keys read the same; array elements
 * share their key, so an array matches when any element does; null is no
 * value), each leaf as text (a number as JSON writes it, `true` / `false`).
 * One function for every store: the SQLite store calls it per row
 * (query-language-sql.ts), the Elasticsearch store indexes its pairs
 * (`<path>\0<value>`), the live stream matches with it; so a path clause
 * means exactly the same everywhere.
 */

/** Leaves longer than this (UTF-16 units) are not matched by path clauses (only by full text): an index of payload pairs stays bounded. */
export const MAX_LEAF_CHARS = 4096;
/** Nesting below this many levels is not read (Elasticsearch's flattened depth limit, mappings.ts). */
export const MAX_LEAF_DEPTH = 20;
/** Pairs read from one object at most: a huge payload costs a bounded amount per row. */
export const MAX_LEAVES = 2000;

export interface Leaf {
  path: string;
  /** The leaf as text. */
  text: string;
  /** The JSON number, for numeric comparisons; null for text and booleans. */
  number: number | null;
}

export function leavesOf(value: unknown): Leaf[] {
  const out: Leaf[] = [];
  walk(value, '', 0, out);
  return out;
}

function walk(value: unknown, path: string, depth: number, out: Leaf[]): void {
  if (out.length >= MAX_LEAVES || value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const v of value) walk(v, path, depth, out);
    return;
  }
  if (typeof value === 'object') {
    if (depth >= MAX_LEAF_DEPTH) return;
    for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k, depth + 1, out);
    return;
  }
  // a scalar at the root has no key: not addressable by a path
  if (path === '') return;
  const text = typeof value === 'string' ? value : typeof value === 'number' ? JSON.stringify(value) : String(value);
  if (text.length > MAX_LEAF_CHARS) return;
  out.push({ path, text, number: typeof value === 'number' ? value : null });
}

/** The Elasticsearch pair of a leaf: keys never hold \0 in a flattenable object, so the split is unambiguous. */
export const PAIR_SEPARATOR = '\u0000';
export const pairOf = (leaf: Leaf) => `${leaf.path}${PAIR_SEPARATOR}${leaf.text}`;

/** A wildcard's literal pieces (between its stars) as an anchored regular expression over a whole value. */
export function piecesRegex(pieces: readonly string[]): RegExp {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`^${pieces.map(esc).join('[\\s\\S]*')}$`, 'u');
}
