/**
 * The write side of the emulator (elasticsearch-emulator.ts) made as strict
 * as a cluster: index templates applied to auto-created indices, each
 * index's own mapping (`dynamic: strict`, put-mapping merges additively and
 * refuses a changed type), and each document checked against it as a
 * 9.x cluster checks one: an unmapped field, a `long` out of range, a value
 * of the wrong type, a keyword term past Lucene's 32,766 bytes refuse the
 * document; a keyword past `ignore_above` is kept in `_source` but not
 * indexed (queries do not find it by that value). Written from the
 * Elasticsearch reference, NOT checked against a server.
 */
export interface IndexMapping {
  dynamic?: string | boolean;
  properties: Record<string, FieldMapping>;
  _meta?: Record<string, unknown>;
  _source?: unknown;
}

export interface FieldMapping {
  type?: string;
  ignore_above?: number;
  enabled?: boolean;
  properties?: Record<string, FieldMapping>;
  [key: string]: unknown;
}

export interface Template {
  name: string;
  index_patterns: string[];
  priority?: number;
  version?: number;
  template?: { mappings?: IndexMapping; settings?: unknown; aliases?: unknown };
  _meta?: Record<string, unknown>;
}

/** A refused document, as a bulk item or a single-document request reports it. */
export interface MappingError {
  status: number;
  type: string;
  reason: string;
}

const LONG_MAX = 9_223_372_036_854_775_807n;
const LONG_MIN = -9_223_372_036_854_775_808n;
const INT_MAX = 2_147_483_647;
/** Lucene's limit on one indexed term (IndexWriter.MAX_TERM_LENGTH). */
const MAX_TERM_BYTES = 32_766;

const patternRegex = (pattern: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

/** The highest-priority template whose pattern matches, as index creation picks it. */
export function templateFor(templates: Iterable<Template>, index: string): Template | undefined {
  return [...templates].filter((t) => t.index_patterns.some((p) => patternRegex(p).test(index))).sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0))[0];
}

/** put-mapping: new fields added, `_meta` replaced, an existing field's type never changed (ignore_above may be). */
export function mergeMapping(current: IndexMapping, update: Partial<IndexMapping>): { mapping: IndexMapping } | { error: string } {
  const properties = { ...current.properties };
  for (const [name, field] of Object.entries(update.properties ?? {})) {
    const before = properties[name];
    if (before && (before.type ?? 'object') !== (field.type ?? 'object')) {
      return { error: `mapper [${name}] cannot be changed from type [${before.type ?? 'object'}] to [${field.type ?? 'object'}]` };
    }
    properties[name] = before ? { ...before, ...field } : field;
  }
  return { mapping: { ...current, ...(update.dynamic !== undefined ? { dynamic: update.dynamic } : {}), ...(update._meta ? { _meta: update._meta } : {}), properties } };
}

function parseLong(value: unknown): bigint | null {
  // a long takes integers and (coerce) numeric strings and decimals truncated, within ±2^63
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) return null;
  // above 2^63 a double is already out of range, whatever its low digits
  if (Math.abs(n) >= 9.223372036854776e18) return null;
  const big = BigInt(Math.trunc(n));
  return big > LONG_MAX || big < LONG_MIN ? null : big;
}

function checkValue(field: string, mapping: FieldMapping, value: unknown, ignored: Set<string>): MappingError | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    for (const v of value) {
      const err = checkValue(field, mapping, v, ignored);
      if (err) return err;
    }
    return null;
  }
  const type = mapping.type ?? 'object';
  const parse = (why: string): MappingError => ({ status: 400, type: 'document_parsing_exception', reason: `failed to parse field [${field}] of type [${type}]: ${why}` });
  switch (type) {
    case 'long':
    case 'date':
      if (parseLong(value) === null) return parse(`Value [${String(value)}] is out of range for a long`);
      return null;
    case 'integer': {
      const n = typeof value === 'string' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n) || Math.abs(Math.trunc(n)) > INT_MAX) return parse(`Value [${String(value)}] is out of range for an integer`);
      return null;
    }
    case 'double':
      if (typeof value !== 'number' && !(typeof value === 'string' && Number.isFinite(Number(value)))) return parse(`[${String(value)}] is not a number`);
      return null;
    case 'boolean':
      if (value !== true && value !== false && value !== 'true' && value !== 'false' && value !== '') return parse(`Failed to parse value [${String(value)}] as only [true] or [false] are allowed.`);
      return null;
    case 'keyword': {
      if (typeof value === 'object') return parse('expected a value, found an object');
      const text = String(value);
      if (mapping.ignore_above !== undefined && text.length > mapping.ignore_above) {
        ignored.add(field);
        return null;
      }
      if (mapping.index !== false && Buffer.byteLength(text) > MAX_TERM_BYTES) {
        return { status: 400, type: 'document_parsing_exception', reason: `Document contains at least one immense term in field="${field}" (whose UTF8 encoding is longer than the max length ${MAX_TERM_BYTES})` };
      }
      return null;
    }
    case 'text':
    case 'wildcard':
      if (typeof value === 'object') return parse('expected a value, found an object');
      return null;
    case 'flattened':
      if (typeof value !== 'object') return parse('expected an object');
      return null;
    case 'object':
      if (mapping.enabled === false) return null;
      if (typeof value !== 'object') return parse(`object mapping [${field}] tried to parse field as object, but found a concrete value`);
      return null;
    default:
      return null;
  }
}

/**
 * A document against its index's mapping: the first refusal, or null; the
 * fields whose values are past ignore_above land in `ignored`.
 */
export function checkDocument(mapping: IndexMapping | undefined, source: Record<string, unknown>, ignored: Set<string>): MappingError | null {
  if (!mapping) return null;
  for (const [field, value] of Object.entries(source)) {
    const fieldMapping = mapping.properties[field];
    if (!fieldMapping) {
      if (mapping.dynamic === 'strict') {
        return { status: 400, type: 'strict_dynamic_mapping_exception', reason: `[1:2] mapping set to strict, dynamic introduction of [${field}] within [_doc] is not allowed` };
      }
      continue;
    }
    const err = checkValue(field, fieldMapping, value, ignored);
    if (err) return err;
  }
  return null;
}

/** What queries see of a document: fields past ignore_above are not indexed, so no query finds them by value. */
export function indexedView(source: Record<string, unknown>, ignored: ReadonlySet<string>, mapping: IndexMapping | undefined): Record<string, unknown> {
  if (!ignored.size || !mapping) return source;
  const out = { ...source };
  for (const f of ignored) {
    const limit = mapping.properties[f]?.ignore_above ?? Infinity;
    const v = out[f];
    if (Array.isArray(v)) out[f] = v.filter((x) => x === null || String(x).length <= limit);
    else delete out[f];
  }
  return out;
}
