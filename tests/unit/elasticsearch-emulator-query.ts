/**
 * Query, sort and aggregation semantics for the in-memory Elasticsearch
 * emulator (elasticsearch-emulator.ts): only what the store sends, written
 * from the Elasticsearch reference (keyword terms are exact, `wildcard`
 * patterns know `*`, `?` and `\`, strings sort by UTF-8 bytes, missing
 * values sort last, `search_text` is whitespace-tokenised text with a gap
 * between array values). It checks the store's logic, not Elasticsearch.
 */
export type Doc = Record<string, any>;

const TEXT_FIELD = 'search_text';
/** Fields mapped `flattened` (mappings.ts): `field.key.path` queries one leaf, by its keyword text. */
const FLATTENED_FIELDS = ['attributes', 'compliance_metadata'];

/** A flattened field's leaves under one dotted path: object keys join with dots, list items share their key, values as keywords. */
function flattenedLeaves(value: unknown, path: string, want: string, out: string[]): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const v of value) flattenedLeaves(v, path, want, out);
  } else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flattenedLeaves(v, path ? `${path}.${k}` : k, want, out);
  } else if (path === want) out.push(String(value));
}

function valuesOf(doc: Doc, field: string): unknown[] {
  const root = FLATTENED_FIELDS.find((f) => field.startsWith(`${f}.`));
  if (root) {
    const out: string[] = [];
    flattenedLeaves(doc[root], '', field.slice(root.length + 1), out);
    return out;
  }
  // an object field's sub-field (`entities.host`); other dotted names are unmapped
  const v = field.startsWith('entities.') ? (doc.entities as Record<string, unknown> | undefined)?.[field.slice('entities.'.length)] : doc[field];
  if (field.includes('.') && !field.startsWith('entities.')) throw new Error(`emulator: field ${field} is not mapped`);
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.filter((x) => x !== null) : [v];
}

/** Each value of the text field as its tokens (the whitespace analyzer). */
function tokenValues(doc: Doc): string[][] {
  return valuesOf(doc, TEXT_FIELD).map((v) => String(v).split(' ').filter(Boolean));
}

function wildcardRegex(pattern: string): RegExp {
  let re = '';
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '\\' && i + 1 < chars.length) re += chars[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'su');
}

type TokenTest = (token: string) => boolean;

/** Consecutive tokens within one value (slop 0, in order). */
function phraseIn(doc: Doc, tests: TokenTest[]): boolean {
  return tokenValues(doc).some((tokens) => {
    for (let i = 0; i + tests.length <= tokens.length; i++) if (tests.every((t, j) => t(tokens[i + j]))) return true;
    return false;
  });
}

function spanTest(clause: any): TokenTest {
  if (clause.span_term) {
    const v = Object.values<any>(clause.span_term)[0];
    const value = typeof v === 'object' ? v.value : v;
    return (t) => t === value;
  }
  const prefix = Object.values<any>(clause.span_multi.match.prefix)[0].value as string;
  return (t) => t.startsWith(prefix);
}

const one = (o: Record<string, any>): [string, any] => Object.entries(o)[0];

export function matches(doc: Doc, id: string, query: any): boolean {
  const [kind, body] = one(query);
  switch (kind) {
    case 'match_all':
      return true;
    case 'bool': {
      const all = (qs: any[] | undefined) => (qs ?? []).every((q) => matches(doc, id, q));
      if (!all(body.filter) || !all(body.must)) return false;
      if ((body.must_not ?? []).some((q: any) => matches(doc, id, q))) return false;
      if (body.should?.length) return body.should.filter((q: any) => matches(doc, id, q)).length >= (body.minimum_should_match ?? 1);
      return true;
    }
    case 'term': {
      const [field, v] = one(body);
      const value = v !== null && typeof v === 'object' ? v.value : v;
      if (field === TEXT_FIELD) return tokenValues(doc).some((ts) => ts.includes(value));
      return valuesOf(doc, field).some((x) => x === value);
    }
    case 'terms': {
      const [field, list] = one(body);
      return valuesOf(doc, field).some((x) => (list as unknown[]).includes(x));
    }
    case 'range': {
      const [field, r] = one(body);
      return valuesOf(doc, field).some(
        (x: any) => (r.gte === undefined || x >= r.gte) && (r.lte === undefined || x <= r.lte) && (r.gt === undefined || x > r.gt) && (r.lt === undefined || x < r.lt),
      );
    }
    case 'wildcard': {
      const [field, w] = one(body);
      const re = wildcardRegex(w.value);
      return valuesOf(doc, field).some((x) => re.test(String(x)));
    }
    case 'ids':
      return body.values.includes(id);
    case 'exists':
      return valuesOf(doc, body.field).length > 0;
    case 'prefix': {
      const [field, p] = one(body);
      if (field !== TEXT_FIELD) return valuesOf(doc, field).some((x) => typeof x === 'string' && x.startsWith(p.value));
      return phraseIn(doc, [(t) => t.startsWith(p.value)]);
    }
    case 'match_phrase': {
      const [, m] = one(body);
      return phraseIn(doc, String(m.query).split(' ').filter(Boolean).map((w): TokenTest => (t) => t === w));
    }
    case 'span_near':
      return phraseIn(doc, body.clauses.map(spanTest));
    default:
      throw new Error(`emulator: query ${kind} not emulated`);
  }
}

export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  return Buffer.compare(Buffer.from(String(a)), Buffer.from(String(b)));
}

/** `{ field: { order } }` or Elasticsearch's shorthand `{ field: 'desc' }`; a field's default order is ascending. */
export type SortSpec = Array<Record<string, { order?: 'asc' | 'desc' } | 'asc' | 'desc'>>;

export function sortValues(doc: Doc, sort: SortSpec): unknown[] {
  return sort.map((s) => {
    const [field] = one(s);
    const v = valuesOf(doc, field);
    return v.length ? v[0] : null;
  });
}

/** Tuple order of the sort; missing values last whatever the direction (Elasticsearch's default). */
export function compareSortTuples(a: unknown[], b: unknown[], sort: SortSpec): number {
  for (let i = 0; i < sort.length; i++) {
    const spec = one(sort[i])[1];
    const order = typeof spec === 'string' ? spec : (spec.order ?? 'asc');
    if (a[i] === null || b[i] === null) {
      if (a[i] === b[i]) continue;
      return a[i] === null ? 1 : -1;
    }
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return order === 'desc' ? -c : c;
  }
  return 0;
}

function subAggs(docs: Doc[], aggs: Record<string, any> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, agg] of Object.entries(aggs ?? {})) {
    if (agg.min || agg.max) {
      // min/max: null over no values, as Elasticsearch answers
      const values = docs.flatMap((d) => valuesOf(d, (agg.min ?? agg.max).field).map(Number));
      out[name] = { value: values.length ? (agg.min ? Math.min(...values) : Math.max(...values)) : null };
      continue;
    }
    if (!agg.sum) throw new Error('emulator: only sum, min and max sub-aggregations');
    out[name] = { value: docs.reduce((s, d) => s + valuesOf(d, agg.sum.field).reduce((t: number, v) => t + Number(v), 0), 0) };
  }
  return out;
}

/** `missingBucket[i]`: a document without field i gets a null key there (composite `missing_bucket`) instead of no bucket. */
function group(docs: Doc[], fields: string[], missingBucket: boolean[] = []): Map<string, { key: unknown[]; docs: Doc[] }> {
  const groups = new Map<string, { key: unknown[]; docs: Doc[] }>();
  for (const d of docs) {
    const key = fields.map((f) => valuesOf(d, f)[0] ?? null);
    if (key.some((k, i) => k === null && !missingBucket[i])) continue;
    const k = JSON.stringify(key);
    const g = groups.get(k) ?? { key, docs: [] };
    g.docs.push(d);
    groups.set(k, g);
  }
  return groups;
}

export function aggregate(docs: Doc[], aggs: Record<string, any>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, agg] of Object.entries(aggs)) {
    if (agg.terms) {
      const buckets = [...group(docs, [agg.terms.field]).values()]
        .sort((a, b) => b.docs.length - a.docs.length || compareValues(a.key[0], b.key[0]))
        .slice(0, agg.terms.size ?? 10)
        .map((g) => ({ key: g.key[0], doc_count: g.docs.length, ...subAggs(g.docs, agg.aggs) }));
      out[name] = { doc_count_error_upper_bound: 0, sum_other_doc_count: 0, buckets };
    } else if (agg.composite) {
      const names = agg.composite.sources.map((s: Record<string, any>) => one(s)[0]);
      const sources = agg.composite.sources.map((s: Record<string, any>) => one(s)[1]);
      if (sources.some((s: any) => !s.terms && !s.histogram)) throw new Error('emulator: only terms and histogram composite sources');
      const fields = sources.map((s: any) => (s.terms ?? s.histogram).field);
      const missing = sources.map((s: any) => s.terms?.missing_bucket === true);
      // a histogram source keys a value by the start of its interval
      const intervals: Array<number | undefined> = sources.map((s: any) => s.histogram?.interval);
      let keyedDocs = docs;
      // sub-aggregations read the documents' own values, not the keys
      const original = new Map<Doc, Doc>();
      if (intervals.some((i) => i !== undefined)) {
        keyedDocs = docs.map((d) => {
          const keyed = { ...d };
          original.set(keyed, d);
          fields.forEach((f: string, i: number) => {
            if (intervals[i] !== undefined && typeof d[f] === 'number') keyed[f] = Math.floor(d[f] / intervals[i]!) * intervals[i]!;
          });
          return keyed;
        });
      }
      // a missing bucket's null key sorts first in ascending order (Elasticsearch's default)
      const compareKey = (x: unknown, y: unknown) => (x === null || y === null ? (x === y ? 0 : x === null ? -1 : 1) : compareValues(x, y));
      const order = (a: unknown[], b: unknown[]) => a.reduce<number>((c, v, i) => c || compareKey(v, b[i]), 0);
      let groups = [...group(keyedDocs, fields, missing).values()].sort((a, b) => order(a.key, b.key));
      if (agg.composite.after) {
        const after = names.map((n: string) => agg.composite.after[n]);
        groups = groups.filter((g) => order(g.key, after) > 0);
      }
      const page = groups.slice(0, agg.composite.size);
      const keyOf = (k: unknown[]) => Object.fromEntries(names.map((n: string, i: number) => [n, k[i]]));
      out[name] = {
        ...(page.length ? { after_key: keyOf(page[page.length - 1].key) } : {}),
        buckets: page.map((g) => ({ key: keyOf(g.key), doc_count: g.docs.length, ...subAggs(g.docs.map((d) => original.get(d) ?? d), agg.aggs) })),
      };
    } else if (agg.min || agg.max || agg.sum) {
      // a metric at the top: over every matching document
      Object.assign(out, subAggs(docs, { [name]: agg }));
    } else throw new Error(`emulator: aggregation ${Object.keys(agg)[0]} not emulated`);
  }
  return out;
}
