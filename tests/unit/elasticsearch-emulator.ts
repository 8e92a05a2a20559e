import { DERIVED_ENTRY_FIELDS } from '../../exporters/elasticsearch/mappings.js';
import { checkDocument, indexedView, mergeMapping, templateFor, type IndexMapping, type MappingError, type Template } from './elasticsearch-emulator-mapping.js';
import { aggregate, compareSortTuples, matches, sortValues, type Doc, type SortSpec } from './elasticsearch-emulator-query.js';
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
 * 413 past http.max_content_length, 429 under injected pressure, and
 * searches that see only what was refreshed (gets and mgets are realtime).
 */
interface Stored {
  source: Doc;
  seq: number;
  /** Fields past their ignore_above: kept in _source, not indexed. */
  ignored: Set<string>;
}

export interface EmulatorOptions {
  /** http.max_content_length: a larger request body is answered 413 (default 100 MB, as a cluster's). */
  maxContentLength?: number;
  /** Searches see writes at once, as if every write refreshed (default false: only after a refresh). */
  realtimeSearch?: boolean;
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
const conflict = (reason: string) => ({ status: 409, error: { type: 'version_conflict_engine_exception', reason } });

export class ElasticsearchEmulator {
  private readonly indices = new Map<string, Map<string, Stored>>();
  /** What searches see: each index as of its last refresh. */
  private readonly searchable = new Map<string, Map<string, Stored>>();
  private readonly mappings = new Map<string, IndexMapping>();
  private readonly templates = new Map<string, Template>();
  readonly pressure: Pressure = { rejectBulks: 0, rejectItems: { create: 0, update: 0, index: 0 } };
  readonly maxContentLength: number;
  private readonly realtimeSearch: boolean;
  private readonly scripts = new Map<string, Script>();
  private readonly pits = new Map<string, string[]>();
  private seq = 0;
  /** Entry index names seen, to check the monthly naming. */
  readonly created: string[] = [];

  constructor(options: EmulatorOptions = {}) {
    this.maxContentLength = options.maxContentLength ?? 100 * 1024 * 1024;
    this.realtimeSearch = options.realtimeSearch ?? false;
  }

  handle = (req: SentRequest): FakeReply => {
    const [path, query] = [req.path.split('/').filter(Boolean).map(decodeURIComponent), new URLSearchParams(req.querystring)];
    if (req.bytes > this.maxContentLength) {
      return { status: 413, body: { error: { type: 'content_too_long', reason: `request body of ${req.bytes} bytes is over http.max_content_length ${this.maxContentLength}` }, status: 413 } };
    }
    const refreshes = query.get('refresh') === 'wait_for' || query.get('refresh') === 'true' || query.get('refresh') === '';
    const reply = this.route(req, path, query);
    if (refreshes && (reply.status ?? 200) < 300) this.refreshAll();
    return reply;
  };

  private route(req: SentRequest, path: string[], query: URLSearchParams): FakeReply {
    const [first, second, third] = path;
    if (first === '_index_template') return this.indexTemplate(req.method, second, req.body);
    if (first === '_scripts') {
      if (req.method === 'PUT') this.scripts.set(second, painlessAsJs(req.body.script.source));
      return { body: { acknowledged: true } };
    }
    if (first === '_bulk') return this.bulk(req.body);
    if (first === '_refresh') return this.refresh(this.resolve('*'));
    if (first === '_mget') return this.mget(req.body.docs, query);
    if (first === '_pit') {
      this.pits.delete(req.body.id);
      return { body: { succeeded: true, num_freed: 1 } };
    }
    if (first === '_search') return this.search(this.pits.get(req.body.pit.id)!, req.body);
    const names = this.resolve(first);
    switch (second) {
      case undefined:
        if (req.method === 'PUT') return this.createIndex(first, req.body);
        if (req.method === 'HEAD') return { status: names.length ? 200 : 404, body: '' };
        if (req.method === 'DELETE') return names.forEach((n) => this.dropIndex(n)), { body: { acknowledged: true } };
        return { body: Object.fromEntries(names.map((n) => [n, {}])) };
      case '_mapping':
        return this.mapping(req.method, names, req.body);
      case '_search':
        return this.search(names, req.body ?? {});
      case '_count':
        return { body: { count: this.search(names, { query: req.body?.query, size: 0, track_total_hits: true }).body.hits.total.value } };
      case '_mget':
        return this.mget(req.body.ids.map((id: string) => ({ _index: first, _id: id })), query);
      case '_pit': {
        const id = `pit-${++this.seq}`;
        this.pits.set(id, names);
        return { body: { id } };
      }
      case '_refresh':
        return this.refresh(names);
      case '_doc':
      case '_create':
      case '_update':
        return this.document(req.method, second, first, third, req.body, query);
    }
    throw new Error(`emulator: ${req.method} ${req.path} not emulated`);
  }

  private resolve(pattern: string): string[] {
    const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return [...this.indices.keys()].filter((n) => re.test(n));
  }

  private index(name: string): Map<string, Stored> {
    let index = this.indices.get(name);
    if (!index) {
      this.indices.set(name, (index = new Map()));
      this.searchable.set(name, new Map());
      this.created.push(name);
      // auto-created by a write: the matching template's mappings, as a cluster applies them
      const mappings = templateFor(this.templates.values(), name)?.template?.mappings;
      if (mappings && !this.mappings.has(name)) this.mappings.set(name, structuredClone(mappings));
    }
    return index;
  }

  // ---- write-side strictness (templates, mappings, refresh, faults) ----

  private createIndex(name: string, body: { mappings?: IndexMapping } | null): FakeReply {
    if (this.indices.has(name)) return { status: 400, body: { error: { type: 'resource_already_exists_exception', reason: name }, status: 400 } };
    if (body?.mappings) this.mappings.set(name, structuredClone(body.mappings));
    this.index(name);
    return { body: { acknowledged: true, index: name } };
  }

  private dropIndex(name: string): void {
    this.indices.delete(name);
    this.searchable.delete(name);
    this.mappings.delete(name);
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
      this.templates.set(name, { ...structuredClone(body), name });
      return { body: { acknowledged: true } };
    }
    if (method === 'DELETE') return this.templates.delete(name) ? { body: { acknowledged: true } } : notFound('resource_not_found_exception', name);
    const t = this.templates.get(name);
    if (!t) return notFound('resource_not_found_exception', `index template matching [${name}] not found`);
    const { name: _n, ...template } = t;
    return { body: { index_templates: [{ name, index_template: template }] } };
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
    for (const name of names) this.searchable.set(name, new Map(this.indices.get(name)));
    return { body: { _shards: { total: names.length, successful: names.length, failed: 0 } } };
  }

  private refreshAll(): void {
    this.refresh([...this.indices.keys()]);
  }

  /** Stores a document its index's mapping accepts; answers the refusal otherwise. */
  private put(index: string, id: string, source: Doc): MappingError | null {
    const target = this.index(index);
    const ignored = new Set<string>();
    const error = checkDocument(this.mappings.get(index), source, ignored);
    if (error) return error;
    target.set(id, { source: structuredClone(source), seq: ++this.seq, ignored });
    if (this.realtimeSearch) this.refresh([index]);
    return null;
  }

  private refused(error: MappingError) {
    return { status: error.status, error: { type: error.type, reason: error.reason } };
  }

  /** `_source` as a client reads it: entries without their derived fields, then the request's filter. */
  private source(index: string, doc: Doc, filter: unknown, includes?: string[], excludes?: string[]): Doc | undefined {
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
      if (action.create) {
        const { _index, _id } = action.create;
        if (busy('create')) {
          items.push({ create: { _index, _id, ...rejected } });
          continue;
        }
        const exists = this.indices.get(_index)?.has(_id);
        const error = exists ? null : this.put(_index, _id, body);
        items.push({ create: { _index, _id, ...(exists ? conflict('document already exists') : error ? this.refused(error) : { status: 201, result: 'created' }) } });
      } else if (action.index) {
        const { _index, _id } = action.index;
        if (busy('index')) {
          items.push({ index: { _index, _id, ...rejected } });
          continue;
        }
        const existed = this.indices.get(_index)?.has(_id);
        const error = this.put(_index, _id, body);
        items.push({ index: { _index, _id, ...(error ? this.refused(error) : { status: existed ? 200 : 201, result: existed ? 'updated' : 'created' }) } });
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
    return { body: { took: 1, errors: items.some((i: any) => (i.create ?? i.index ?? i.update).status >= 300), items } };
  }

  private mget(docs: Array<{ _index: string; _id: string }>, query: URLSearchParams): FakeReply {
    const includes = query.get('_source_includes')?.split(',');
    return {
      body: {
        docs: docs.map(({ _index, _id }) => {
          const d = this.indices.get(_index)?.get(_id);
          return d ? { _index, _id, found: true, _seq_no: d.seq, _primary_term: 1, _source: this.source(_index, d.source, true, includes) } : { _index, _id, found: false };
        }),
      },
    };
  }

  private document(method: string, op: string, index: string, id: string, body: Doc, query: URLSearchParams): FakeReply {
    const current = this.indices.get(index)?.get(id);
    if (op === '_doc' && (method === 'PUT' || method === 'POST')) {
      const error = this.put(index, id, body);
      if (error) return { status: error.status, body: { error: { type: error.type, reason: error.reason }, status: error.status } };
      return { status: current ? 200 : 201, body: { _index: index, _id: id, result: current ? 'updated' : 'created' } };
    }
    if (op === '_doc' && method === 'DELETE') {
      if (!current) return { status: 404, body: { _index: index, _id: id, result: 'not_found' } };
      if (query.has('if_seq_no') && Number(query.get('if_seq_no')) !== current.seq) return { status: 409, body: { error: conflict('seq_no changed').error, status: 409 } };
      this.indices.get(index)!.delete(id);
      if (this.realtimeSearch) this.refresh([index]);
      return { body: { _index: index, _id: id, result: 'deleted' } };
    }
    if (op === '_doc') {
      if (!current) return { status: 404, body: { _index: index, _id: id, found: false } };
      const excludes = query.get('_source_excludes')?.split(',');
      return { body: { _index: index, _id: id, found: true, _seq_no: current.seq, _primary_term: 1, _source: this.source(index, current.source, true, undefined, excludes) } };
    }
    if (op === '_create') {
      if (current) return { status: 409, body: { error: conflict(`[${id}]: document already exists`).error, status: 409 } };
      const error = this.put(index, id, body);
      if (error) return { status: error.status, body: { error: { type: error.type, reason: error.reason }, status: error.status } };
      return { status: 201, body: { _index: index, _id: id, result: 'created' } };
    }
    if (!current) return notFound('document_missing_exception', id);
    if (query.has('if_seq_no') && Number(query.get('if_seq_no')) !== current.seq) return { status: 409, body: { error: conflict('seq_no changed').error, status: 409 } };
    const error = this.put(index, id, { ...current.source, ...body.doc });
    if (error) return { status: error.status, body: { error: { type: error.type, reason: error.reason }, status: error.status } };
    return { body: { _index: index, _id: id, result: 'updated' } };
  }

  private search(names: string[], body: any): FakeReply & { body: any } {
    const sort = (body.sort ?? []) as SortSpec;
    // what a cluster refuses with search_after (SearchAfterBuilder): a tuple not the sort's length, a from past 0, a value not of its field's type
    if (body.search_after) {
      const after = body.search_after as unknown[];
      if (after.length !== sort.length) return illegalArgument(`search_after has ${after.length} value(s) but sort has ${sort.length}.`);
      if ((body.from ?? 0) > 0) return illegalArgument('`from` parameter must be set to 0 when `search_after` is used.');
      const example = names.flatMap((index) => [...(this.searchable.get(index)?.values() ?? [])]).map((d) => sortValues(d.source, sort))[0];
      for (let i = 0; example && i < after.length; i++) {
        if (example[i] !== null && typeof example[i] !== typeof after[i]) return illegalArgument(`Failed to parse search_after value for field [${Object.keys(sort[i])[0]}].`);
      }
    }
    let hits = names
      .flatMap((index) => [...(this.searchable.get(index) ?? new Map<string, Stored>())].map(([id, d]) => ({ index, id, d, view: indexedView(d.source, d.ignored, this.mappings.get(index)) })))
      .filter(({ id, view }) => !body.query || matches(view, id, body.query))
      .map((h) => ({ ...h, sort: sortValues(h.view, sort) }))
      .sort((a, b) => compareSortTuples(a.sort, b.sort, sort));
    const total = hits.length;
    const aggregations = body.aggs ? aggregate(hits.map((h) => h.view), body.aggs) : undefined;
    if (body.search_after) hits = hits.filter((h) => compareSortTuples(h.sort, body.search_after, sort) > 0);
    const from = body.from ?? 0;
    const page = hits.slice(from, from + (body.size ?? 10));
    return {
      body: {
        took: 1, timed_out: false, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
        ...(body.pit ? { pit_id: body.pit.id } : {}),
        hits: {
          total: { value: total, relation: 'eq' },
          max_score: null,
          hits: page.map((h) => ({
            _index: h.index, _id: h.id, _score: null, sort: h.sort,
            ...(body.seq_no_primary_term ? { _seq_no: h.d.seq, _primary_term: 1 } : {}),
            ...(body._source === false ? {} : { _source: this.source(h.index, h.d.source, body._source ?? true) }),
          })),
        },
        ...(aggregations ? { aggregations } : {}),
      },
    };
  }
}
