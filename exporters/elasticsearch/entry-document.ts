import { detailsFromAttributes } from '../../collector/normalize/stored-details.js';
import { durationBucket, durationMicros } from '../../model/duration-histogram.js';
import type { Entities } from '../../model/entities.js';
import type { Attributes, ComplianceMetadata, EntryRecord, JsonObject, LedgerEntry, RunStatus } from '../../model/ledger-entry.js';
import { visitSearchableValues } from '../../model/search-fields.js';
import { indexTokens } from '../../model/search-text.js';
import { leavesOf, pairOf } from '../../model/query-leaves.js';
import { isoFromMicros } from '../../model/time.js';
import { truncateUtf8 } from '../../collector/otlp/any-value.js';
import { FLATTENED_DEPTH_LIMIT, FLATTENED_IGNORE_ABOVE, KEYWORD_IGNORE_ABOVE, TAG_IGNORE_ABOVE } from './mappings.js';
import { foldCase } from './search-fold.js';
import { usdFromNanos } from '../../model/cost.js';

/** An entry as indexed (mappings.ts ENTRY_MAPPINGS); `_source` holds all but the derived fields. */
export interface EntryDocument {
  id: string;
  organization_id: string;
  run_id: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  is_root: boolean;
  name: string;
  kind: EntryRecord['kind'];
  outcome: EntryRecord['outcome'];
  status_message: string | null;
  ts_us: number;
  end_us: number;
  timestamp: number;
  duration_ms: number;
  duration_us: number;
  duration_bucket: number;
  cost_nanos: number;
  model: string | null;
  provider: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  agent_id: string | null;
  service_name: string | null;
  user_id: string | null;
  inputs: JsonObject | null;
  outputs: JsonObject | null;
  compliance_metadata?: ComplianceMetadata | null;
  compliance_metadata_raw?: ComplianceMetadata;
  attributes?: Attributes;
  attributes_raw?: Attributes;
  tags: string[];
  truncated_fields: string[];
  redactions: number;
  /** Absent on entries written before extraction existed. */
  entities?: Entities;
  /** Absent on entries written before batches were recorded. */
  rollup_batch?: string;
  name_fold?: string;
  agent_fold?: string | null;
  inputs_text?: string | null;
  outputs_text?: string | null;
  search_text?: string[];
  inputs_pairs?: string[];
  outputs_pairs?: string[];
  compliance_pairs?: string[];
  attributes_pairs?: string[];
}

/**
 * Whether `flattened` takes this object: keys without \0, nesting within
 * the depth limit, and every key + value term under Lucene's 32 KiB (values
 * past ignore_above are skipped by Elasticsearch, so only long keys count).
 * Anything else would reject the whole document: it is kept unindexed instead.
 */
export function flattenable(value: unknown, depth = 1, path = 0): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (!Array.isArray(value) && depth > FLATTENED_DEPTH_LIMIT) return false;
  for (const [key, child] of Array.isArray(value) ? value.map((v) => ['', v] as const) : Object.entries(value)) {
    if (key.includes('\u0000')) return false;
    const keyBytes = path + Buffer.byteLength(key) + 1;
    if (keyBytes + FLATTENED_IGNORE_ABOVE * 3 + 1 > 32_766) return false;
    if (!flattenable(child, Array.isArray(value) ? depth : depth + 1, Array.isArray(value) ? path : keyBytes)) return false;
  }
  return true;
}

/** The `q` text of an entry: each searchable value's shared tokens (model/search-text.ts), joined by spaces. */
export function searchText(e: Pick<EntryRecord, 'name' | 'status_message' | 'inputs' | 'outputs'>): string[] {
  const values: string[] = [];
  const tokens: string[] = [];
  visitSearchableValues(
    e,
    (_field, text) => {
      tokens.length = 0;
      indexTokens(text, tokens);
      if (tokens.length) values.push(tokens.join(' '));
    },
    false,
  );
  return values;
}

/** The keyword fields an entry's writer fills from span data, with their ceiling in bytes. */
const KEYWORD_FIELDS = ['name', 'model', 'provider', 'agent_id', 'service_name', 'user_id'] as const;

/**
 * Keyword values cut to their mapping's ignore_above (in bytes, so also in
 * characters), on a character boundary, and named in `truncated_fields` as
 * the receiver names its cuts: the cut value is indexed and filterable, and
 * no value can reach Lucene's 32 KiB term limit and refuse the entry. The
 * receiver already cuts them to otlp.max_name_bytes; this holds for any
 * writer (a replayed dead letter, a larger otlp.max_name_bytes).
 */
export function capKeywords(e: EntryRecord): EntryRecord {
  let out = e;
  const cut: string[] = [];
  for (const field of KEYWORD_FIELDS) {
    const v = e[field];
    if (typeof v !== 'string') continue;
    const capped = truncateUtf8(v, KEYWORD_IGNORE_ABOVE);
    if (capped.length === v.length) continue;
    out = { ...out, [field]: capped };
    cut.push(field);
  }
  if (e.tags.some((t) => Buffer.byteLength(t) > TAG_IGNORE_ABOVE)) {
    out = { ...out, tags: e.tags.map((t) => truncateUtf8(t, TAG_IGNORE_ABOVE)) };
    cut.push('tags');
  }
  if (!cut.length) return e;
  return { ...out, truncated_fields: [...new Set([...e.truncated_fields, ...cut])] };
}

export function entryDocument(entry: EntryRecord): EntryDocument {
  const e = capKeywords(entry);
  const compliance = e.compliance_metadata;
  return {
    id: e.id, organization_id: e.organization_id, run_id: e.run_id, trace_id: e.trace_id, span_id: e.span_id,
    parent_span_id: e.parent_span_id, is_root: e.is_root, name: e.name, kind: e.kind, outcome: e.outcome,
    status_message: e.status_message, ts_us: e.start_us, end_us: e.end_us, timestamp: Math.floor(e.start_us / 1000),
    duration_ms: e.duration_ms, duration_us: durationMicros(e.duration_ms), duration_bucket: durationBucket(e.duration_ms),
    cost_nanos: e.cost_nanos, model: e.model, provider: e.provider, input_tokens: e.input_tokens,
    output_tokens: e.output_tokens, total_tokens: e.total_tokens, agent_id: e.agent_id, service_name: e.service_name,
    user_id: e.user_id, inputs: e.inputs, outputs: e.outputs,
    ...(flattenable(compliance) ? { compliance_metadata: compliance } : { compliance_metadata_raw: compliance! }),
    ...(flattenable(e.attributes) ? { attributes: e.attributes } : { attributes_raw: e.attributes }),
    tags: e.tags, truncated_fields: e.truncated_fields, redactions: e.redactions, entities: e.entities,
    name_fold: foldCase(e.name),
    agent_fold: e.agent_id === null ? null : foldCase(e.agent_id),
    inputs_text: e.inputs === null ? null : JSON.stringify(e.inputs),
    outputs_text: e.outputs === null ? null : JSON.stringify(e.outputs),
    search_text: searchText(e),
    inputs_pairs: leavesOf(e.inputs).map(pairOf), outputs_pairs: leavesOf(e.outputs).map(pairOf),
    compliance_pairs: leavesOf(compliance).map(pairOf), attributes_pairs: leavesOf(e.attributes).map(pairOf),
  };
}

/** The entry as written, from a stored `_source` (for the runs rollup of re-delivered entries). */
export function recordFromDocument(d: EntryDocument): EntryRecord {
  return {
    id: d.id, organization_id: d.organization_id, run_id: d.run_id, trace_id: d.trace_id, span_id: d.span_id,
    parent_span_id: d.parent_span_id, is_root: d.is_root, name: d.name, kind: d.kind, outcome: d.outcome,
    status_message: d.status_message, start_us: d.ts_us, end_us: d.end_us, duration_ms: d.duration_ms,
    cost_nanos: d.cost_nanos, model: d.model, provider: d.provider, input_tokens: d.input_tokens,
    output_tokens: d.output_tokens, total_tokens: d.total_tokens, agent_id: d.agent_id, service_name: d.service_name,
    user_id: d.user_id, inputs: d.inputs, outputs: d.outputs,
    compliance_metadata: d.compliance_metadata ?? d.compliance_metadata_raw ?? null,
    tags: d.tags, attributes: d.attributes ?? d.attributes_raw ?? {}, truncated_fields: d.truncated_fields, redactions: d.redactions,
    // documents keep no copy of details (no mapping change): read from the attributes they keep
    details: detailsFromAttributes(d.attributes ?? d.attributes_raw ?? {}),
    entities: d.entities ?? {},
  };
}

/** The API's entry, in the same field order as the SQLite store's. */
export function entryFromDocument(d: EntryDocument, runStatus: RunStatus): LedgerEntry {
  return {
    id: d.id,
    name: d.name,
    outcome: d.outcome,
    cost_usd: usdFromNanos(d.cost_nanos),
    duration_ms: d.duration_ms,
    inputs: d.inputs,
    outputs: d.outputs,
    run_id: d.run_id,
    run_status: runStatus,
    agent_id: d.agent_id,
    timestamp: isoFromMicros(d.ts_us),
    compliance_metadata: d.compliance_metadata ?? d.compliance_metadata_raw ?? null,
    organization_id: d.organization_id,
    trace_id: d.trace_id,
    span_id: d.span_id,
    parent_span_id: d.parent_span_id,
    kind: d.kind,
    model: d.model,
    provider: d.provider,
    input_tokens: d.input_tokens,
    output_tokens: d.output_tokens,
    total_tokens: d.total_tokens,
    service_name: d.service_name,
    status_message: d.status_message,
    tags: d.tags,
    attributes: d.attributes ?? d.attributes_raw ?? {},
    end_timestamp: isoFromMicros(d.end_us),
    truncated_fields: d.truncated_fields,
    redactions: d.redactions,
    entities: d.entities ?? {},
  };
}
