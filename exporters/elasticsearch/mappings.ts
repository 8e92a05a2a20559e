import type { estypes } from '@elastic/elasticsearch';
import { sizingSettings, type IndexLayout } from './index-layout.js';
import { ENTITY_MAPPING } from './entity-mapping.js';
import type { IndexNames } from './index-names.js';

/**
 * Explicit mappings, `dynamic: strict`: a field we did not plan is a bug to
 * find, not a mapping to grow. Elasticsearch 9.x only: OpenSearch has no
 * `wildcard` or `flattened` field types (and the client refuses a server
 * that is not Elasticsearch).
 */

/** Keyword values past this many characters are kept in `_source` but not indexed: 3 bytes × 8191 stays under Lucene's 32 KiB term limit. */
export const KEYWORD_IGNORE_ABOVE = 8191;
export const TAG_IGNORE_ABOVE = 1024;
/** Flattened leaves are indexed as key + value in one term, so they get less room. */
export const FLATTENED_IGNORE_ABOVE = 4096;
export const FLATTENED_DEPTH_LIMIT = 20;
/** The `q` analyzer: the text is already cut into model/search-text.ts tokens joined by spaces; it only splits them apart. */
export const SEARCH_ANALYZER = 'ledger_tokens';

/**
 * The mappings' version, in every template and index `_meta` (and the
 * template's `version`). Raise it with any mapping change: at start-up
 * every index of an older version gets the new fields (put-mapping is
 * additive), so writes to the current month never meet `dynamic: strict`
 * with a field they do not know; a newer version's template or index is
 * left alone (a rolling upgrade runs both).
 */
export const MAPPING_VERSION = 5;
/** Every index's and template's `_meta`: schema.ts migrates indices whose version is older. */
export const MAPPING_META = { managed_by: 'agent-ledger', mapping_version: MAPPING_VERSION };
const meta = MAPPING_META;

const keyword: estypes.MappingProperty = { type: 'keyword', ignore_above: KEYWORD_IGNORE_ABOVE };
/** Every keyword has a ceiling: a value past it is kept in _source, unindexed, instead of failing the document (Lucene's 32 KiB term). */
const id: estypes.MappingProperty = { type: 'keyword', ignore_above: KEYWORD_IGNORE_ABOVE };
const long: estypes.MappingProperty = { type: 'long' };
/** Kept for reading back, never searched. */
const stored: estypes.MappingProperty = { type: 'text', index: false };
const opaque: estypes.MappingProperty = { type: 'object', enabled: false };
const flattened: estypes.MappingProperty = { type: 'flattened', ignore_above: FLATTENED_IGNORE_ABOVE, depth_limit: FLATTENED_DEPTH_LIMIT };

/** The query language's path pairs (query-language-dsl.ts). */
export const PAIR_FIELDS = ['inputs_pairs', 'outputs_pairs', 'compliance_pairs', 'attributes_pairs'];

/** Derived fields, rebuilt from the entry on every write: not worth a second copy in `_source`. */
export const DERIVED_ENTRY_FIELDS = ['name_fold', 'agent_fold', 'inputs_text', 'outputs_text', 'search_text', ...PAIR_FIELDS];

export const ENTRY_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  _meta: meta,
  _source: { excludes: DERIVED_ENTRY_FIELDS },
  properties: {
    id, organization_id: id, run_id: id, trace_id: id, span_id: id, parent_span_id: id,
    is_root: { type: 'boolean' },
    name: keyword,
    kind: id,
    outcome: id,
    status_message: stored,
    ts_us: long,
    end_us: long,
    /** For Kibana's time picker; queries use the exact µs in ts_us. */
    timestamp: { type: 'date', format: 'epoch_millis' },
    duration_ms: { type: 'double' },
    /** Integer µs: sums are exact, as the SQLite store's are. */
    duration_us: long,
    /** model/duration-histogram.ts bucket, so percentiles equal the SQLite store's. */
    duration_bucket: { type: 'integer' },
    cost_nanos: long,
    model: keyword,
    provider: keyword,
    input_tokens: long,
    output_tokens: long,
    total_tokens: long,
    agent_id: keyword,
    service_name: keyword,
    user_id: keyword,
    inputs: opaque,
    outputs: opaque,
    compliance_metadata: flattened,
    attributes: flattened,
    /** What flattened cannot take (a key with \0, nesting past the limit, an immense leaf): kept whole, unindexed. */
    compliance_metadata_raw: opaque,
    attributes_raw: opaque,
    tags: { type: 'keyword', ignore_above: TAG_IGNORE_ABOVE },
    truncated_fields: id,
    redactions: { type: 'integer' },
    entities: ENTITY_MAPPING,
    /** The write that created the entry: its runs marker says whether it was counted (run-markers.ts). */
    rollup_batch: id,
    /** `search`: name and agent id folded (NFC, lower case) in JS, matched by case-sensitive wildcards: exactly the SQLite store's fold. */
    name_fold: { type: 'wildcard' },
    agent_fold: { type: 'wildcard' },
    /** Substrings of large payloads, for investigators in Kibana. */
    inputs_text: { type: 'wildcard' },
    outputs_text: { type: 'wildcard' },
    /** The `query` language's paths: every leaf as `<path>\0<value>` (model/query-leaves.ts), for exact terms and wildcards alike. */
    ...Object.fromEntries(PAIR_FIELDS.map((f) => [f, { type: 'wildcard' } as const])),
    /** `q`: one array element per searchable value, so a phrase never spans two values (the position gap). */
    search_text: {
      type: 'text',
      analyzer: SEARCH_ANALYZER,
      index_prefixes: { min_chars: 1, max_chars: 19 },
      position_increment_gap: 100,
      norms: false,
    },
  },
};

export function entrySettings(layout: IndexLayout): estypes.IndicesIndexSettings {
  const { entries } = layout;
  return {
    ...sizingSettings(entries),
    // bulk writes never force a refresh; reads see them within this
    refresh_interval: entries.refreshInterval,
    // each new month joins the policy: its age-out and force-merge need no operator step (README, ILM)
    ...(entries.ilmPolicy === null ? {} : { lifecycle: { name: entries.ilmPolicy } }),
    analysis: { analyzer: { [SEARCH_ANALYZER]: { type: 'custom', tokenizer: 'whitespace' } } },
  };
}

export function entryTemplate(names: IndexNames, layout: IndexLayout): estypes.IndicesPutIndexTemplateRequest {
  return {
    name: names.entriesTemplate,
    index_patterns: [names.entriesPattern],
    // above the built-in templates (logs-*, metrics-*: 100), never a data stream
    priority: 500,
    allow_auto_create: true,
    version: MAPPING_VERSION,
    template: { settings: entrySettings(layout), mappings: ENTRY_MAPPINGS, aliases: { [names.entriesAlias]: {} } },
    _meta: meta,
  };
}

export const RUN_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  _meta: meta,
  properties: {
    organization_id: id, run_id: id, agent_id: keyword, user_id: keyword,
    /** The run's user, '' for none (index-names.ts runUserKey): part of the run's key, sorted and filtered without nulls. */
    user_key: keyword,
    start_us: long, end_us: long, action_count: long, cost_nanos: long,
    root_count: long, root_error: { type: 'integer' },
    root_name: keyword, root_span_id: id, prompt_name: keyword,
    input_tokens: long, output_tokens: long, total_tokens: long,
    model_config: opaque,
    tags: { type: 'keyword', ignore_above: TAG_IGNORE_ABOVE },
    /** Folded copies (computed in JS, passed to the script) behind the runs' `search`. */
    root_name_fold: stored, prompt_name_fold: stored,
    search_name_fold: { type: 'wildcard' }, model_fold: { type: 'wildcard' },
    /** Span ids already counted: makes the rollup script idempotent per entry (run-rollup.ts). */
    applied: stored,
  },
};

/** A marker holds nothing but when it was written (for operators pruning old ones); its `_id` is what counts. */
export const RUN_APPLIED_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  _meta: meta,
  properties: { at: { type: 'date', format: 'epoch_millis' } },
};

/** Hourly stats rollups (stats-rollups.ts); the `coverage` document says from which hour they hold every entry (rollup-coverage.ts). */
export const ROLLUP_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  _meta: meta,
  properties: {
    organization_id: id, hour: long, dimension: id, key: keyword,
    n: long, cost_nanos: long, duration_us: long,
    /** Tokens of the last updates: makes the rollup script idempotent (stats-rollups.ts). */
    applied: stored,
    first_rolled_hour: long, created_at: long,
  },
};

export const ORGANIZATION_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  _meta: meta,
  properties: { id, name: keyword, created_at: long },
};

export const API_KEY_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  _meta: meta,
  properties: {
    id, prefix: id, hash: { type: 'keyword', index: false, ignore_above: KEYWORD_IGNORE_ABOVE }, organization_id: id, user_id: keyword, role: id, scopes: id,
    name: keyword, created_at: long, expires_at: long, revoked_at: long,
  },
};

/**
 * A GenAI event from OTLP logs (model/log-message.ts), `_id` =
 * `<entry id>:<log id>` (log-messages.ts): kept for its span's entry,
 * whichever is written first, and rebuilt into its messages.
 */
export const LOG_MESSAGE_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  _meta: meta,
  properties: {
    /** model/ids.ts entryId(organization, trace, span): how an entry's events are found. */
    entry_id: id, organization_id: id, trace_id: id, span_id: id, log_id: id,
    time_us: long, idx: { type: 'integer' },
    /** As a span event carries it: read back whole, never searched. */
    event: opaque,
  },
};

/** Text only: a saved search is re-parsed when it runs, never searched by its expression. */
export const SAVED_SEARCH_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  _meta: meta,
  properties: {
    id, organization_id: id, name: keyword, description: stored, query: stored, filters: opaque,
    owner_type: id, owner_id: keyword, created_us: long,
  },
};

/** The fixed indices (runs, run markers, stats rollups, credentials, held log events, saved searches) with their mappings. */
export function fixedIndices(names: IndexNames, layout: IndexLayout): estypes.IndicesCreateRequest[] {
  const credentials = sizingSettings(layout.credentials);
  return [
    { index: names.runs, settings: { ...sizingSettings(layout.runs), refresh_interval: '1s' }, mappings: RUN_MAPPINGS },
    { index: names.runApplied, settings: sizingSettings(layout.runMarkers), mappings: RUN_APPLIED_MAPPINGS },
    // one document per (organization, hour, dimension, key): sized with the run markers, which also grow with writes, not with readers
    { index: names.rollups, settings: { ...sizingSettings(layout.runMarkers), refresh_interval: '1s' }, mappings: ROLLUP_MAPPINGS },
    { index: names.organizations, settings: credentials, mappings: ORGANIZATION_MAPPINGS },
    { index: names.apiKeys, settings: credentials, mappings: API_KEY_MAPPINGS },
    // held GenAI events: sized with the run markers (written with ingest, read back by entry id)
    { index: names.logMessages, settings: sizingSettings(layout.runMarkers), mappings: LOG_MESSAGE_MAPPINGS },
    // a handful of documents per organization, read by id or listed: sized like the credentials
    { index: names.savedSearches, settings: credentials, mappings: SAVED_SEARCH_MAPPINGS },
  ];
}
