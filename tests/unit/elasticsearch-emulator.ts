import { DERIVED_ENTRY_FIELDS } from '../../exporters/elasticsearch/mappings.js';
import { conflict, deleteByQuery, documentRequest, seqNoConflict, type DocStore } from './elasticsearch-emulator-docs.js';
import { checkDocument, indexedView, mergeMapping, templateFor, type IndexMapping, type MappingError, type Template } from './elasticsearch-emulator-mapping.js';
import { aggregate, compareSortTuples, matches, sortValues, type Doc, type SortSpec } from './elasticsearch-emulator-query.js';
import { EmulatorReads, type IndexView, type StoredDoc } from './elasticsearch-emulator-reads.js';
import { checkSettings, flattenSettings, nestSettings, withDefaults, type FlatSettings } from './elasticsearch-emulator-settings.js';
import type { FakeReply, SentRequest } from './elasticsearch-fake-client.js';
import { painlessAsJs, type Script } from './elasticsearch-painless-as-js.js';

/**
 * An in-memory stand-in for the few Elasticsearch APIs the store uses, so
 * the Elasticsearch store's own logic (translation, paging, points in time,
 * rollups, credentials) can run the conformance cases here. It is NOT
 * Elasticsearch: it cannot tell whether a real cluster accepts the
 * mappings, compiles the painless script or analyses text the same way.
 * Its write side is strict as a cluster is (elasticsearch-emulator-mapping.ts):
 * per-index mappings from templates, refused documents as per-item errors,
 * 413 past http.max_content_length, 429 under injected pressure. Its read
 * side too (elasticsearch-emulator-reads.ts): searches, counts and points in
 * time see an index as of its last refresh (gets and mgets are realtime),
 * and it refuses what a cluster refuses (result window, `ids` cap, partial
 * results). Conditional writes (`op_type: create`, `if_seq_no`), deletes and
 * delete-by-query answer as a cluster's (elasticsearch-emulator-docs.ts).
 */
type Stored = StoredDoc;

export interface EmulatorOptions {
  /** http.max_content_length: a larger request body is answered 413 (default 100 MB, as a cluster's). */
  maxContentLength?: number;
  /** index.max_result_window of the entry and runs indices (default 10,000, as a cluster's). */
  maxResultWindow?: number;
}

/** Faults a test injects: each counter is used up one request (or bulk item) at a time. */
export interface Pressure {
  /** Whole `_bulk` requests answered 429 (es_rejected_execution_exception). */
  rejectBulks: number;
  /** Bulk items of each kind answered 429, counted across requests. */
  rejectItems: { create: number; update: number; index: number };
}

const notFound = (type: string, reason: string): FakeReply => ({ status: 404, body: { error: { type, reason }, status: 404 } });
const illegalArgument = (reason: string): FakeReply & { body: any } => ({
  status: 400,
  body: { error: { type: 'illegal_argument_exception', reason }, status: 400 },
});
export class ElasticsearchEmulator implements DocStore {
  readonly indices = new Map<string, Map<string, Stored>>();
  private readonly mappings = new Map<string, IndexMapping>();
  private readonly templates = new Map<string, Template>();
  /** Each index's settings (flat names), from its template and its create request. */
  private readonly settings = new Map<string, FlatSettings>();
  private readonly ilmPolicies = new Map<string, unknown>();
  readonly pressure: Pressure = { rejectBulks: 0, rejectItems: { create: 0, update: 0, index: 0 } };
  readonly maxContentLength: number;
  private readonly scripts = new Map<string, Script>();
  private seq = 0;
  /** Near-real-time visibility, points in time, result-window limits and injectable read faults. */
  readonly reads: EmulatorReads;
  /** Entry index names seen, to check the monthly naming. */
  readonly created: string[] = [];

  constructor(options: EmulatorOptions = {}) {
    this.maxContentLength = options.maxContentLength ?? 100 * 1024 * 1024;
    this.reads = new EmulatorReads(options.maxResultWindow ?? 10_000);
  }

  handle = (req: SentRequest): FakeReply => {
    const [path, query] = [req.path.split('/').filter(Boolean).map(decodeURIComponent), new URLSearchParams(req.querystring)];
    if (req.bytes > this.maxContentLength) {
      return { status: 413, body: { error: { type: 'content_too_long', reason: `request body of ${req.bytes} bytes is over http.max_content_length ${this.maxContentLength}` }, status: 413 } };
    }
    const reply = this.route(req, path, query);
    // a write with `refresh` (true, wait_for) makes what it touched searchable before it answers
    const refresh = query.get('refresh');
    if (refresh !== null && refresh !== 'false' && (reply.status ?? 200) < 300) this.refresh(this.touched(req, path[0]));
    return reply;
  };

  /** The indices a write went to (a bulk's from its action lines). */
  private touched(req: SentRequest, first: string): string[] {
    if (first !== '_bulk') return this.resolve(first);
    return [...new Set((req.body as any[]).map((line) => (Object.values(line)[0] as { _index?: string })?._index).filter((n): n is string => typeof n === 'string'))];
  }

  private route(req: SentRequest, path: string[], query: URLSearchParams): FakeReply {
    const [first, second, third] = path;
    if (first === '_index_template') return this.indexTemplate(req.method, second, req.body);
    if (first === '_ilm' && second === 'policy') return this.ilmPolicy(req.method, third, req.body);
    if (first === '_scripts') {
      if (req.method === 'PUT') this.scripts.set(second, painlessAsJs(req.body.script.source));
      return { body: { acknowledged: true } };
    }
    if (first === '_bulk') return this.bulk(req.body);
    if (first === '_refresh') return this.refresh(this.resolve('*'));
    if (first === '_mget') return this.mget(req.body.docs, query);
    if (first === '_pit') return this.reads.closePit(req.body.id);
    if (first === '_search') return this.searchPit(req.body, query);
    const names = this.resolve(first);
    switch (second) {
      case undefined:
        if (req.method === 'PUT') return this.createIndex(first, req.body);
        if (req.method === 'HEAD') return { status: names.length ? 200 : 404, body: '' };
        if (req.method === 'DELETE') return names.forEach((n) => this.dropIndex(n)), { body: { acknowledged: true } };
        return { body: Object.fromEntries(names.map((n) => [n, {}])) };
      case '_mapping':
        return this.mapping(req.method, names, req.body);
      case '_settings':
        return this.indexSettings(req.method, names, req.body, query);
      case '_search':
        return this.search(this.reads.view(names), req.body ?? {}, query);
      case '_count': {
        const r = this.search(this.reads.view(names), { query: req.body?.query, size: 0, track_total_hits: true }, query);
        return r.status ? r : { body: { count: r.body.hits.total.value, _shards: r.body._shards } };
      }
      case '_mget':
        return this.mget(req.body.ids.map((id: string) => ({ _index: first, _id: id })), query);
      case '_pit':
        return this.reads.openPit(names, query.get('keep_alive'), query.get('allow_partial_search_results') !== 'false');
      case '_delete_by_query':
        return deleteByQuery(this, this.reads.view(names), req.body);
      case '_refresh':
        return this.refresh(names);
      case '_doc':
      case '_create':
      case '_update':
        return documentRequest(this, req.method, second, first, third, req.body, query);
    }
    throw new Error(`emulator: ${req.method} ${req.path} not emulated`);
  }

  /** A search over a point in time: its snapshot, renewed, or the 404 of an expired one. */
  private searchPit(body: any, query: URLSearchParams): FakeReply {
    const view = this.reads.usePit(body.pit.id, body.pit.keep_alive);
    if (!(view instanceof Map)) return view;
    return this.search(view, body, query);
  }

  private resolve(pattern: string): string[] {
    const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return [...this.indices.keys()].filter((n) => re.test(n));
  }

  private index(name: string): Map<string, Stored> {
    let index = this.indices.get(name);
    if (!index) {
      this.indices.set(name, (index = new Map()));
      this.created.push(name);
      // auto-created by a write: the matching template's mappings and settings, as a cluster applies them
      const template = templateFor(this.templates.values(), name)?.template;
      if (template?.mappings && !this.mappings.has(name)) this.mappings.set(name, structuredClone(template.mappings));
      if (!this.settings.has(name)) this.settings.set(name, flattenSettings(template?.settings));
    }
    return index;
  }

  // ---- write-side strictness (templates, mappings, refresh, faults) ----

  private createIndex(name: string, body: { mappings?: IndexMapping; settings?: unknown } | null): FakeReply {
    if (this.indices.has(name)) return { status: 400, body: { error: { type: 'resource_already_exists_exception', reason: name }, status: 400 } };
    // a create request's settings over those of a matching template
    const settings = { ...flattenSettings(templateFor(this.templates.values(), name)?.template?.settings), ...flattenSettings(body?.settings) };
    const refused = checkSettings(settings);
    if (refused) return illegalArgument(refused);
    this.settings.set(name, settings);
    if (body?.mappings) this.mappings.set(name, structuredClone(body.mappings));
    this.index(name);
    return { body: { acknowledged: true, index: name } };
  }

  private dropIndex(name: string): void {
    this.indices.delete(name);
    this.reads.refresh(this.indices, [name]);
    this.mappings.delete(name);
    this.settings.delete(name);
  }

  /** An index as an old release created it (tests of mapping migration). */
  createIndexWithMapping(name: string, mappings: IndexMapping): void {
    this.mappings.set(name, structuredClone(mappings));
    this.index(name);
  }

  mappingOf(name: string): IndexMapping | undefined {
    return this.mappings.get(name);
  }

  private indexTemplate(method: string, name: string, body: Omit<Template, 'name'>): FakeReply {
    if (method === 'PUT') {
      const refused = checkSettings(flattenSettings(body.template?.settings));
      if (refused) return illegalArgument(refused);
      this.templates.set(name, { ...structuredClone(body), name });
      return { body: { acknowledged: true } };
    }
    if (method === 'DELETE') return this.templates.delete(name) ? { body: { acknowledged: true } } : notFound('resource_not_found_exception', name);
    const t = this.templates.get(name);
    if (!t) return notFound('resource_not_found_exception', `index template matching [${name}] not found`);
    const { name: _n, ...template } = t;
    return { body: { index_templates: [{ name, index_template: template }] } };
  }

  /** GET (nested, or flat with `flat_settings`), or PUT of dynamic settings: the shard count is fixed at creation. */
  private indexSettings(method: string, names: string[], body: unknown, query: URLSearchParams): FakeReply {
    if (method === 'GET') {
      const show = (n: string) => (query.get('flat_settings') === 'true' ? withDefaults(this.settings.get(n) ?? {}) : nestSettings(withDefaults(this.settings.get(n) ?? {})));
      return { body: Object.fromEntries(names.map((n) => [n, { settings: show(n) }])) };
    }
    const update = flattenSettings((body as { settings?: unknown })?.settings ?? body);
    const refused = checkSettings(update);
    if (refused) return illegalArgument(refused);
    if ('index.number_of_shards' in update) return illegalArgument(`Can't update non dynamic settings [[index.number_of_shards]] for open indices [${names.join(', ')}]`);
    for (const n of names) this.settings.set(n, { ...this.settings.get(n), ...update });
    return { body: { acknowledged: true } };
  }

  private ilmPolicy(method: string, name: string, body: unknown): FakeReply {
    if (method === 'PUT') return this.ilmPolicies.set(name, structuredClone(body)), { body: { acknowledged: true } };
    const policy = this.ilmPolicies.get(name);
    if (!policy) return notFound('resource_not_found_exception', `Lifecycle policy not found: [${name}]`);
    return { body: { [name]: { version: 1, modified_date: '2025-01-01T00:00:00.000Z', policy: (policy as { policy?: unknown }).policy ?? policy } } };
  }

  private mapping(method: string, names: string[], body: Partial<IndexMapping>): FakeReply {
    if (method === 'GET') return { body: Object.fromEntries(names.map((n) => [n, { mappings: this.mappings.get(n) ?? {} }])) };
    for (const name of names) {
      const merged = mergeMapping(this.mappings.get(name) ?? { properties: {} }, body);
      if ('error' in merged) return illegalArgument(merged.error);
      this.mappings.set(name, merged.mapping);
    }
    return { body: { acknowledged: true } };
  }

  private refresh(names: string[]): FakeReply {
    this.reads.refresh(this.indices, names);
    return { body: { _shards: { total: names.length, successful: names.length, failed: 0 } } };
  }

  get lastSeq(): number {
    return this.seq;
  }

  remove(index: string, id: string): number {
    this.indices.get(index)?.delete(id);
    return ++this.seq;
  }

  /** Stores a document its index's mapping accepts; answers the refusal otherwise. */
  put(index: string, id: string, source: Doc): MappingError | null {
    const target = this.index(index);
    const ignored = new Set<string>();
    const error = checkDocument(this.mappings.get(index), source, ignored);
    if (error) return error;
    target.set(id, { source: structuredClone(source), seq: ++this.seq, ignored });
    return null;
  }

  private refused(error: MappingError) {
    return { status: error.status, error: { type: error.type, reason: error.reason } };
  }

  /** `_source` as a client reads it: entries without their derived fields, then the request's filter. */
  source(index: string, doc: Doc, filter: unknown, includes?: string[], excludes?: string[]): Doc | undefined {
    if (filter === false) return undefined;
    let out: Doc = structuredClone(doc);
    const drop = [...(index.includes('-entries-') ? DERIVED_ENTRY_FIELDS : []), ...(excludes ?? []), ...((filter as { excludes?: string[] })?.excludes ?? [])];
    for (const f of drop) delete out[f];
    if (includes?.length) out = Object.fromEntries(Object.entries(out).filter(([k]) => includes.includes(k)));
    return out;
  }

  private bulk(lines: any[]): FakeReply {
    if (this.pressure.rejectBulks > 0) {
      this.pressure.rejectBulks--;
      return { status: 429, body: { error: { type: 'es_rejected_execution_exception', reason: 'rejected execution (queue capacity 10000)' }, status: 429 } };
    }
    const items = [];
    const busy = (op: 'create' | 'update' | 'index') => this.pressure.rejectItems[op] > 0 && this.pressure.rejectItems[op]-- > 0;
    const rejected = { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'rejected execution' } };
    for (let i = 0; i < lines.length; i += 2) {
      const [action, body] = [lines[i], lines[i + 1]];
      if (action.delete) {
        // a delete has no body line
        i--;
        const { _index, _id, if_seq_no, if_primary_term } = action.delete;
        const current = this.indices.get(_index)?.get(_id);
        const refused = seqNoConflict(if_seq_no, if_primary_term, current);
        const outcome = refused ? conflict(refused) : current ? { status: 200, result: 'deleted', _seq_no: this.remove(_index, _id), _primary_term: 1 } : { status: 404, result: 'not_found' };
        items.push({ delete: { _index, _id, ...outcome } });
      } else if (action.create) {
        const { _index, _id } = action.create;
        if (busy('create')) {
          items.push({ create: { _index, _id, ...rejected } });
          continue;
        }
        const exists = this.indices.get(_index)?.has(_id);
        const error = exists ? null : this.put(_index, _id, body);
        items.push({ create: { _index, _id, ...(exists ? conflict('document already exists') : error ? this.refused(error) : { status: 201, result: 'created', _seq_no: this.seq, _primary_term: 1 }) } });
      } else if (action.index) {
        const { _index, _id, if_seq_no, if_primary_term } = action.index;
        if (busy('index')) {
          items.push({ index: { _index, _id, ...rejected } });
          continue;
        }
        const current = this.indices.get(_index)?.get(_id);
        // a conditional write of a document changed (or gone) since it was read: 409, as a cluster answers
        const stale = seqNoConflict(if_seq_no, if_primary_term, current);
        if (stale) {
          items.push({ index: { _index, _id, ...conflict(stale) } });
          continue;
        }
        const error = this.put(_index, _id, body);
        items.push({ index: { _index, _id, ...(error ? this.refused(error) : { status: current ? 200 : 201, result: current ? 'updated' : 'created', _seq_no: this.seq, _primary_term: 1 }) } });
      } else {
        const { _index, _id } = action.update;
        if (busy('update')) {
          items.push({ update: { _index, _id, ...rejected } });
          continue;
        }
        const current = this.index(_index).get(_id);
        const ctx = { _source: current ? structuredClone(current.source) : structuredClone(body.upsert), op: 'index' };
        this.scripts.get(body.script.id)!(ctx, structuredClone(body.script.params));
        const error = ctx.op !== 'noop' ? this.put(_index, _id, JSON.parse(JSON.stringify(ctx._source))) : null;
        items.push({ update: { _index, _id, ...(error ? this.refused(error) : { status: current ? 200 : 201, result: ctx.op === 'noop' ? 'noop' : current ? 'updated' : 'created' }) } });
      }
    }
    // a delete of a missing document is a 404 item but no error
    const errors = items.some((item: any) => Object.values(item as Record<string, { status: number }>)[0].status >= 300 && item.delete?.status !== 404);
    return { body: { took: 1, errors, items } };
  }

  private mget(docs: Array<{ _index: string; _id: string }>, query: URLSearchParams): FakeReply {
    const includes = query.get('_source_includes')?.split(',');
    return {
      body: {
        docs: docs.map(({ _index, _id }) => {
          // a document of an index that does not exist answers an error in its place, with no `found`
          if (!this.indices.has(_index)) return { _index, _id, error: { type: 'index_not_found_exception', reason: `no such index [${_index}]`, index: _index } };
          const d = this.indices.get(_index)?.get(_id);
          return d ? { _index, _id, found: true, _seq_no: d.seq, _primary_term: 1, _source: this.source(_index, d.source, true, includes) } : { _index, _id, found: false };
        }),
      },
    };
  }

  private search(view: IndexView, body: any, query: URLSearchParams): FakeReply & { body: any } {
    const names = [...view.keys()];
    const refused = this.reads.refuse(names, body);
    if (refused) return refused as FakeReply & { body: any };
    const sort = (body.sort ?? []) as SortSpec;
    // what a cluster refuses with search_after (SearchAfterBuilder): a tuple not the sort's length, a from past 0, a value not of its field's type
    if (body.search_after) {
      const after = body.search_after as unknown[];
      if (after.length !== sort.length) return illegalArgument(`search_after has ${after.length} value(s) but sort has ${sort.length}.`);
      if ((body.from ?? 0) > 0) return illegalArgument('`from` parameter must be set to 0 when `search_after` is used.');
      const example = names.flatMap((index) => [...(view.get(index)?.values() ?? [])]).map((d) => sortValues(d.source, sort))[0];
      for (let i = 0; example && i < after.length; i++) {
        if (example[i] !== null && typeof example[i] !== typeof after[i]) return illegalArgument(`Failed to parse search_after value for field [${Object.keys(sort[i])[0]}].`);
      }
    }
    const matching = names
      .flatMap((index) => [...(view.get(index) ?? new Map<string, Stored>())].map(([id, d]) => ({ index, id, d, view: indexedView(d.source, d.ignored, this.mappings.get(index)) })))
      .filter(({ id, view }) => !body.query || matches(view, id, body.query));
    const answered = this.reads.partial(matching, query.get('allow_partial_search_results') !== 'false');
    if (!('hits' in answered)) return answered as FakeReply & { body: any };
    let hits = answered.hits
      .map((h) => ({ ...h, sort: sortValues(h.view, sort) }))
      .sort((a, b) => compareSortTuples(a.sort, b.sort, sort));
    const total = hits.length;
    const aggregations = body.aggs ? aggregate(hits.map((h) => h.view), body.aggs) : undefined;
    if (body.search_after) hits = hits.filter((h) => compareSortTuples(h.sort, body.search_after, sort) > 0);
    const from = body.from ?? 0;
    const page = hits.slice(from, from + (body.size ?? 10));
    return {
      body: {
        took: 1, timed_out: answered.timedOut, _shards: answered.shards,
        ...(body.pit ? { pit_id: body.pit.id } : {}),
        hits: {
          total: { value: total, relation: 'eq' },
          max_score: null,
          hits: page.map((h) => ({
            _index: h.index, _id: h.id, _score: null, sort: h.sort,
            ...(body.seq_no_primary_term ? { _seq_no: h.d.seq, _primary_term: 1 } : {}),
            // `_source: [fields]` keeps those fields only, as Elasticsearch's source filtering does
            ...(body._source === false ? {} : { _source: this.source(h.index, h.d.source, body._source ?? true, Array.isArray(body._source) ? body._source : undefined) }),
          })),
        },
        ...(aggregations ? { aggregations } : {}),
      },
    };
  }
}
