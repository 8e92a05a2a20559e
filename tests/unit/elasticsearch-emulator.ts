import { API_KEY_MAPPINGS, DERIVED_ENTRY_FIELDS, ENTRY_MAPPINGS, ORGANIZATION_MAPPINGS, RUN_MAPPINGS } from '../../exporters/elasticsearch/mappings.js';
import { aggregate, compareSortTuples, matches, sortValues, type Doc, type SortSpec } from './elasticsearch-emulator-query.js';
import { EmulatorReads, type IndexView } from './elasticsearch-emulator-reads.js';
import type { FakeReply, SentRequest } from './elasticsearch-fake-client.js';
import { painlessAsJs, type Script } from './elasticsearch-painless-as-js.js';

/**
 * An in-memory stand-in for the few Elasticsearch APIs the store uses, so
 * the Elasticsearch store's own logic (translation, paging, points in time,
 * rollups, credentials) can run the conformance cases here. It is NOT
 * Elasticsearch: it cannot tell whether a real cluster accepts the
 * mappings, compiles the painless script or analyses text the same way.
 * Searches see writes only after a refresh, and refuse what a cluster
 * refuses (elasticsearch-emulator-reads.ts).
 */
interface Stored {
  source: Doc;
  seq: number;
}

const notFound = (type: string, reason: string): FakeReply => ({ status: 404, body: { error: { type, reason }, status: 404 } });
const illegalArgument = (reason: string): FakeReply & { body: any } => ({
  status: 400,
  body: { error: { type: 'illegal_argument_exception', reason }, status: 400 },
});
const conflict = (reason: string) => ({ status: 409, error: { type: 'version_conflict_engine_exception', reason } });

export class ElasticsearchEmulator {
  private readonly indices = new Map<string, Map<string, Stored>>();
  private readonly scripts = new Map<string, Script>();
  private seq = 0;
  /** Near-real-time visibility, points in time, result-window limits and injectable read faults. */
  readonly reads: EmulatorReads;
  /** Entry index names seen, to check the monthly naming. */
  readonly created: string[] = [];

  constructor(options: { maxResultWindow?: number } = {}) {
    this.reads = new EmulatorReads(options.maxResultWindow ?? 10_000);
  }

  handle = (req: SentRequest): FakeReply => {
    const [path, query] = [req.path.split('/').filter(Boolean).map(decodeURIComponent), new URLSearchParams(req.querystring)];
    const [first, second, third] = path;
    if (first === '_index_template') return { body: { acknowledged: true } };
    if (first === '_scripts') {
      if (req.method === 'PUT') this.scripts.set(second, painlessAsJs(req.body.script.source));
      return { body: { acknowledged: true } };
    }
    if (first === '_bulk') return this.afterWrite(this.bulk(req.body), query);
    if (first === '_mget') return this.mget(req.body.docs, query);
    if (first === '_pit') return this.reads.closePit(req.body.id);
    if (first === '_search') return this.searchPit(req.body, query);
    const names = this.resolve(first);
    switch (second) {
      case undefined:
        if (req.method === 'PUT') return this.createIndex(first);
        if (req.method === 'HEAD') return { status: names.length ? 200 : 404, body: '' };
        if (req.method === 'DELETE') return names.forEach((n) => this.indices.delete(n)), this.reads.refresh(this.indices, names), { body: { acknowledged: true } };
        return { body: Object.fromEntries(names.map((n) => [n, {}])) };
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
      case '_refresh':
        this.reads.refresh(this.indices, names);
        return { body: { _shards: { total: 1, successful: 1, failed: 0 } } };
      case '_doc':
      case '_create':
      case '_update':
        return this.afterWrite(this.document(req.method, second, first, third, req.body, query), query, [first]);
    }
    throw new Error(`emulator: ${req.method} ${req.path} not emulated`);
  };

  /** A write with `refresh` (true, wait_for) makes what it touched searchable before it answers. */
  private afterWrite(reply: FakeReply, query: URLSearchParams, indices?: string[]): FakeReply {
    const refresh = query.get('refresh');
    if (refresh !== null && refresh !== 'false') {
      const touched = indices ?? ((reply.body as { items?: Array<Record<string, { _index: string }>> }).items ?? []).map((i) => Object.values(i)[0]._index);
      this.reads.refresh(this.indices, new Set(touched));
    }
    return reply;
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
    }
    return index;
  }

  private createIndex(name: string): FakeReply {
    if (this.indices.has(name)) return { status: 400, body: { error: { type: 'resource_already_exists_exception', reason: name }, status: 400 } };
    this.index(name);
    return { body: { acknowledged: true, index: name } };
  }

  private put(index: string, id: string, source: Doc): void {
    // `dynamic: strict`, as the real mappings say: an unmapped top-level field rejects the document
    const mapping = [
      ['-entries-', ENTRY_MAPPINGS], ['-runs', RUN_MAPPINGS], ['-organizations', ORGANIZATION_MAPPINGS], ['-api-keys', API_KEY_MAPPINGS],
    ].find(([suffix]) => index.includes(suffix as string))?.[1] as { properties: Record<string, unknown> } | undefined;
    const unmapped = Object.keys(source).filter((f) => mapping && !(f in mapping.properties));
    if (unmapped.length) throw new Error(`emulator: strict_dynamic_mapping_exception: [${unmapped.join(', ')}] in ${index}`);
    this.index(index).set(id, { source: structuredClone(source), seq: ++this.seq });
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
    const items = [];
    for (let i = 0; i < lines.length; i += 2) {
      const [action, body] = [lines[i], lines[i + 1]];
      if (action.create) {
        const { _index, _id } = action.create;
        const exists = this.indices.get(_index)?.has(_id);
        if (!exists) this.put(_index, _id, body);
        items.push({ create: { _index, _id, ...(exists ? conflict('document already exists') : { status: 201, result: 'created' }) } });
      } else {
        const { _index, _id } = action.update;
        const current = this.index(_index).get(_id);
        const ctx = { _source: current ? structuredClone(current.source) : structuredClone(body.upsert), op: 'index' };
        this.scripts.get(body.script.id)!(ctx, structuredClone(body.script.params));
        if (ctx.op !== 'noop') this.put(_index, _id, JSON.parse(JSON.stringify(ctx._source)));
        items.push({ update: { _index, _id, status: current ? 200 : 201, result: ctx.op === 'noop' ? 'noop' : current ? 'updated' : 'created' } });
      }
    }
    return { body: { took: 1, errors: false, items } };
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
    if (op === '_doc') {
      if (!current) return { status: 404, body: { _index: index, _id: id, found: false } };
      const excludes = query.get('_source_excludes')?.split(',');
      return { body: { _index: index, _id: id, found: true, _seq_no: current.seq, _source: this.source(index, current.source, true, undefined, excludes) } };
    }
    if (op === '_create') {
      if (current) return { status: 409, body: { error: conflict(`[${id}]: document already exists`).error, status: 409 } };
      this.put(index, id, body);
      return { status: 201, body: { _index: index, _id: id, result: 'created' } };
    }
    if (!current) return notFound('document_missing_exception', id);
    if (query.has('if_seq_no') && Number(query.get('if_seq_no')) !== current.seq) return { status: 409, body: { error: conflict('seq_no changed').error, status: 409 } };
    this.put(index, id, { ...current.source, ...body.doc });
    void method;
    return { body: { _index: index, _id: id, result: 'updated' } };
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
      .flatMap((index) => [...(view.get(index) ?? new Map<string, Stored>())].map(([id, d]) => ({ index, id, d })))
      .filter(({ id, d }) => !body.query || matches(d.source, id, body.query));
    const answered = this.reads.partial(matching, query.get('allow_partial_search_results') !== 'false');
    if (!('hits' in answered)) return answered as FakeReply & { body: any };
    let hits = answered.hits
      .map((h) => ({ ...h, sort: sortValues(h.d.source, sort) }))
      .sort((a, b) => compareSortTuples(a.sort, b.sort, sort));
    const total = hits.length;
    const aggregations = body.aggs ? aggregate(hits.map((h) => h.d.source), body.aggs) : undefined;
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
            ...(body._source === false ? {} : { _source: this.source(h.index, h.d.source, body._source ?? true) }),
          })),
        },
        ...(aggregations ? { aggregations } : {}),
      },
    };
  }
}
