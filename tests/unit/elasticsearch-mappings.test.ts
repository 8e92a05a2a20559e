import { detailsFromAttributes } from '../../collector/normalize/stored-details.js';
import { describe, expect, it } from 'vitest';
import { entryDocument, entryFromDocument, flattenable, recordFromDocument } from '../../exporters/elasticsearch/entry-document.js';
import { entryIndexFor, indexNames, runDocId } from '../../exporters/elasticsearch/index-names.js';
import { indexLayout } from '../../exporters/elasticsearch/index-layout.js';
import { API_KEY_MAPPINGS, DERIVED_ENTRY_FIELDS, ENTRY_MAPPINGS, entryTemplate, fixedIndices, MAPPING_META, RUN_MAPPINGS } from '../../exporters/elasticsearch/mappings.js';
import { foldCase } from '../../exporters/elasticsearch/search-fold.js';
import { foldCase as sqliteFoldCase } from '../../exporters/sqlite/ledger-filter-sql.js';
import { durationBucket } from '../../model/duration-histogram.js';
import { generateEntries } from '../conformance/dataset.js';
import { runKey, runStatuses, toLedgerEntry } from '../conformance/expected-ledger.js';

const names = indexNames('agent-ledger');
const props = ENTRY_MAPPINGS.properties as Record<string, { type?: string; [k: string]: unknown }>;
const typeOf = (p: Record<string, { type?: string }>, field: string) => p[field]?.type;

describe('elasticsearch entry mappings', () => {
  it('is strict: an unplanned field is refused, not mapped', () => {
    expect(ENTRY_MAPPINGS.dynamic).toBe('strict');
    expect(RUN_MAPPINGS.dynamic).toBe('strict');
    expect(API_KEY_MAPPINGS.dynamic).toBe('strict');
  });

  it('maps every filter field as keyword', () => {
    for (const f of ['id', 'organization_id', 'run_id', 'trace_id', 'span_id', 'parent_span_id', 'agent_id', 'name', 'outcome', 'kind', 'model', 'provider', 'service_name', 'user_id']) {
      expect(typeOf(props, f), f).toBe('keyword');
    }
  });

  it('maps times, cost and tokens as long and the duration as double', () => {
    for (const f of ['ts_us', 'end_us', 'cost_nanos', 'input_tokens', 'output_tokens', 'total_tokens', 'duration_us']) expect(typeOf(props, f), f).toBe('long');
    expect(typeOf(props, 'duration_ms')).toBe('double');
    expect(typeOf(props, 'duration_bucket')).toBe('integer');
  });

  it('searches substrings of payloads and folded names with wildcard fields', () => {
    for (const f of ['inputs_text', 'outputs_text', 'name_fold', 'agent_fold']) expect(typeOf(props, f), f).toBe('wildcard');
  });

  it('keeps attributes and compliance metadata as flattened, with unindexed fallbacks', () => {
    expect(props.attributes).toMatchObject({ type: 'flattened', depth_limit: 20 });
    expect(props.compliance_metadata).toMatchObject({ type: 'flattened' });
    expect(props.attributes_raw).toEqual({ type: 'object', enabled: false });
    expect(props.inputs).toEqual({ type: 'object', enabled: false });
  });

  it('indexes q text with the whitespace analyzer, prefixes and a gap between values', () => {
    expect(props.search_text).toMatchObject({ type: 'text', analyzer: 'ledger_tokens', index_prefixes: { min_chars: 1, max_chars: 19 }, position_increment_gap: 100 });
    const template = entryTemplate(names, indexLayout({ shards: 2, replicas: 1 }));
    expect(template.template!.settings!.analysis!.analyzer!.ledger_tokens).toEqual({ type: 'custom', tokenizer: 'whitespace' });
  });

  it('keeps derived fields out of _source', () => {
    expect(ENTRY_MAPPINGS._source!.excludes).toEqual(DERIVED_ENTRY_FIELDS);
    expect(DERIVED_ENTRY_FIELDS).toEqual(expect.arrayContaining(['search_text', 'inputs_text', 'outputs_text', 'name_fold', 'agent_fold']));
  });

  it('templates monthly indices behind an alias, refreshed every second, never as a data stream', () => {
    const t = entryTemplate(names, indexLayout({ shards: 3 }));
    expect(t.index_patterns).toEqual(['agent-ledger-entries-*']);
    expect(t.template!.aliases).toEqual({ 'agent-ledger-entries': {} });
    expect(t.template!.settings).toMatchObject({ number_of_shards: 3, refresh_interval: '1s' });
    expect(t.template!.settings).not.toHaveProperty('number_of_replicas');
    expect(t).not.toHaveProperty('data_stream');
    expect(t.priority).toBeGreaterThan(100);
  });

  it('creates the runs, credential, held log event and saved-search indices with their mappings', () => {
    const fixed = fixedIndices(names, indexLayout({ replicas: 0 }));
    expect(fixed.map((i) => i.index)).toEqual([
      'agent-ledger-runs-by-user', 'agent-ledger-run-applied', 'agent-ledger-rollups', 'agent-ledger-organizations', 'agent-ledger-api-keys',
      'agent-ledger-log-messages', 'agent-ledger-saved-searches',
    ]);
    // versioned like every index (schema.ts migrates it), strict, the event kept whole and unindexed
    const logs = fixed.find((i) => i.index === 'agent-ledger-log-messages')!.mappings!;
    expect(logs).toMatchObject({ dynamic: 'strict', _meta: MAPPING_META, properties: { entry_id: { type: 'keyword' }, time_us: { type: 'long' }, event: { type: 'object', enabled: false } } });
    // saved searches: one shard like the credentials whatever the entries' sizing, versioned, strict, text never indexed
    const many = fixedIndices(names, indexLayout({ shards: 6, replicas: 2 }));
    const saved = many.find((i) => i.index === 'agent-ledger-saved-searches')!;
    expect(saved.settings).toEqual(many.find((i) => i.index === 'agent-ledger-api-keys')!.settings);
    expect(saved.settings).toMatchObject({ number_of_shards: 1, number_of_replicas: 2 });
    expect(saved.mappings).toMatchObject({ dynamic: 'strict', _meta: MAPPING_META, properties: { query: { type: 'text', index: false }, filters: { type: 'object', enabled: false } } });
    const runProps = RUN_MAPPINGS.properties as Record<string, { type?: string }>;
    expect(typeOf(runProps, 'search_name_fold')).toBe('wildcard');
    expect(typeOf(runProps, 'cost_nanos')).toBe('long');
  });
});

describe('elasticsearch index names', () => {
  it('names entry indices by the UTC month of the start time', () => {
    expect(entryIndexFor(names, Date.UTC(2024, 10, 30, 23, 59, 59) * 1000 + 999_999)).toBe('agent-ledger-entries-2024.11');
    expect(entryIndexFor(names, Date.UTC(2025, 0, 1) * 1000)).toBe('agent-ledger-entries-2025.01');
  });

  it('refuses a prefix Elasticsearch would refuse', () => {
    expect(() => indexNames('Agent')).toThrow(/index_prefix/);
    expect(() => indexNames('_x')).toThrow(/index_prefix/);
    expect(() => indexNames('a*b')).toThrow(/index_prefix/);
  });

  it('ids runs by organization, run and user (hashed; - for no user)', () => {
    const run = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
    expect(runDocId('org/a', run, null)).toBe(`org/a/${run}/-`);
    const alice = runDocId('org/a', run, 'alice');
    expect(alice).toMatch(new RegExp(`^org/a/${run}/[A-Za-z0-9_-]{43}$`));
    // a user named like the no-user marker, an empty-looking one and a long one are other runs, within the 512-byte _id
    expect(new Set([alice, runDocId('org/a', run, '-'), runDocId('org/a', run, 'bob'), runDocId('org/a', run, 'x'.repeat(10_000))]).size).toBe(4);
    expect(Buffer.byteLength(runDocId('o'.repeat(100), run, 'x'.repeat(10_000)))).toBeLessThanOrEqual(512);
  });
});

describe('elasticsearch entry documents', () => {
  const entries = generateEntries();
  const statuses = runStatuses(entries);

  it('round-trip every conformance entry to the same LedgerEntry the contract expects', () => {
    for (const e of entries) {
      const { name_fold: _n, agent_fold: _a, inputs_text: _i, outputs_text: _o, search_text: _s, ...source } = entryDocument(e);
      const doc = JSON.parse(JSON.stringify(source));
      const status = statuses.get(runKey(e))!;
      expect(entryFromDocument(doc, status)).toEqual(toLedgerEntry(e, statuses));
      // documents keep no copy of details: they are read back from the attributes, as ingest reads them
      expect(recordFromDocument(doc)).toEqual({ ...e, details: detailsFromAttributes(e.attributes) });
    }
  });

  it('stores folded name and agent, exact integer µs, the duration bucket and q text a value each', () => {
    const e = { ...entries[0], name: 'İstanbul_Call', agent_id: 'ÄGENT', duration_ms: 1.5, status_message: 'Connection timeout', inputs: { q: 'Müller 東京' }, outputs: null };
    const d = entryDocument(e);
    expect(d).toMatchObject({ name_fold: 'i̇stanbul_call', agent_fold: 'ägent', duration_us: 1500, duration_bucket: durationBucket(1.5), ts_us: e.start_us });
    expect(d.search_text).toEqual(['istanbul call', 'connection timeout', 'muller 東京 京']);
    expect(d.inputs_text).toBe('{"q":"Müller 東京"}');
  });

  it('folds exactly as the SQLite store folds', () => {
    for (const s of ['Straße', 'ΣΊΣΥΦΟΣ', 'İstanbul', 'cafe\u0301', 'ＡＢＣ', '𝒜', 'ǅ']) expect(foldCase(s)).toBe(sqliteFoldCase(s));
  });

  it('keeps attributes flattened cannot take as an unindexed copy instead of losing the entry', () => {
    expect(flattenable({ a: { b: [1, { c: 'x' }] } })).toBe(true);
    expect(flattenable({ 'bad\u0000key': 1 })).toBe(false);
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 25; i++) deep = { n: deep };
    expect(flattenable(deep)).toBe(false);
    const d = entryDocument({ ...entries[0], attributes: { 'bad\u0000key': 'v' } });
    expect(d.attributes).toBeUndefined();
    expect(d.attributes_raw).toEqual({ 'bad\u0000key': 'v' });
    expect(entryFromDocument(d, 'running').attributes).toEqual({ 'bad\u0000key': 'v' });
  });
});
