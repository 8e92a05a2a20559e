import { AGENT_INDEX_MAPPINGS, agentIndexNames } from '../../exporters/elasticsearch/agents-indices.js';
import { indexNames } from '../../exporters/elasticsearch/index-names.js';
import { API_KEY_MAPPINGS, DERIVED_ENTRY_FIELDS, ENTRY_MAPPINGS, ORGANIZATION_MAPPINGS, RUN_MAPPINGS } from '../../exporters/elasticsearch/mappings.js';
import { aggregate, compareSortTuples, matches, sortValues, type Doc, type SortSpec } from './elasticsearch-emulator-query.js';
import type { FakeReply, SentRequest } from './elasticsearch-fake-client.js';
import { painlessAsJs, type Script } from './elasticsearch-painless-as-js.js';

/**
 * An in-memory stand-in for the few Elasticsearch APIs the store uses, so
 * the Elasticsearch store's own logic (translation, paging, points in time,
 * rollups, credentials) can run the conformance cases here. It is NOT
 * Elasticsearch: it cannot tell whether a real cluster accepts the
 * mappings, compiles the painless script or analyses text the same way.
 * Writes are visible at once (as after a refresh), unless it is built with
 * `nearRealTime`: then searches, counts and delete-by-query see each index
 * as of its last refresh (`_refresh`, or a write with `refresh=true|wait_for`),
 * while get and mget are realtime, as on a cluster.
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
const conflictReply = (reason: string): FakeReply => ({ status: 409, body: { error: conflict(reason).error, status: 409 } });

/** The agent indices' mappings by name suffix (`-agents`, `-activity`, …), matched at the end of an index name. */
const AGENT_SUFFIXES = (() => {
  const names = agentIndexNames(indexNames('x'));
  return AGENT_INDEX_MAPPINGS.map(([key, mapping]) => [names[key].slice(1), mapping] as const);
})();

/** A write's `if_seq_no`/`if_primary_term` against the current document, as Elasticsearch checks them (a missing document conflicts too). */
function seqNoConflict(seqNo: unknown, primaryTerm: unknown, current: Stored | undefined): string | null {
  if (seqNo === null || seqNo === undefined) return null;
  if (!current) return `required seqNo [${seqNo}], primary term [${primaryTerm}] but no document was found`;
  if (Number(seqNo) !== current.seq || Number(primaryTerm ?? 1) !== 1) return `required seqNo [${seqNo}], current document has seqNo [${current.seq}]`;
  return null;
}

export class ElasticsearchEmulator {
  private readonly indices = new Map<string, Map<string, Stored>>();
  private readonly scripts = new Map<string, Script>();
  private readonly pits = new Map<string, string[]>();
  private seq = 0;
  /** Each index as of its last refresh (nearRealTime only). */
  private readonly searchable = new Map<string, Map<string, Stored>>();
  /** Entry index names seen, to check the monthly naming. */
  readonly created: string[] = [];

  constructor(private readonly options: { nearRealTime?: boolean } = {}) {}

  /** What a search sees of an index. */
  private view(name: string): Map<string, Stored> | undefined {
    return this.options.nearRealTime ? this.searchable.get(name) : this.indices.get(name);
  }

  private refresh(names: Iterable<string>): void {
    for (const name of names) {
      const index = this.indices.get(name);
      if (index) this.searchable.set(name, new Map(index));
    }
  }

  handle = (req: SentRequest): FakeReply => {
    const reply = this.route(req);
    const refresh = new URLSearchParams(req.querystring).get('refresh');
    if (refresh === 'true' || refresh === 'wait_for' || refresh === '') this.refresh(this.touched(req));
    return reply;
  };

  /** The indices a write went to (a bulk's from its action lines). */
  private touched(req: SentRequest): string[] {
    const [first] = req.path.split('/').filter(Boolean).map(decodeURIComponent);
    if (first !== '_bulk') return this.resolve(first);
    return [...new Set((req.body as any[]).map((line) => (Object.values(line)[0] as { _index?: string })?._index).filter((n): n is string => typeof n === 'string'))];
  }

  private route(req: SentRequest): FakeReply {
    const [path, query] = [req.path.split('/').filter(Boolean).map(decodeURIComponent), new URLSearchParams(req.querystring)];
    const [first, second, third] = path;
    if (first === '_index_template') return { body: { acknowledged: true } };
    if (first === '_scripts') {
      if (req.method === 'PUT') this.scripts.set(second, painlessAsJs(req.body.script.source));
      return { body: { acknowledged: true } };
    }
    if (first === '_bulk') return this.bulk(req.body);
    if (first === '_mget') return this.mget(req.body.docs, query);
    if (first === '_pit') {
      this.pits.delete(req.body.id);
      return { body: { succeeded: true, num_freed: 1 } };
    }
    if (first === '_search') return this.search(this.pits.get(req.body.pit.id)!, req.body);
    const names = this.resolve(first);
    switch (second) {
      case undefined:
        if (req.method === 'PUT') return this.createIndex(first);
        if (req.method === 'HEAD') return { status: names.length ? 200 : 404, body: '' };
        if (req.method === 'DELETE') return names.forEach((n) => (this.indices.delete(n), this.searchable.delete(n))), { body: { acknowledged: true } };
        return { body: Object.fromEntries(names.map((n) => [n, {}])) };
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
      case '_delete_by_query':
        return this.deleteByQuery(names, req.body);
      case '_refresh':
        this.refresh(names);
        return { body: { _shards: { total: 1, successful: 1, failed: 0 } } };
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
    const fixed: ReadonlyArray<readonly [string, unknown]> = [
      ['-entries-', ENTRY_MAPPINGS], ['-runs', RUN_MAPPINGS], ['-organizations', ORGANIZATION_MAPPINGS], ['-api-keys', API_KEY_MAPPINGS],
    ];
    const mapping = (fixed.find(([suffix]) => index.includes(suffix))?.[1] ?? AGENT_SUFFIXES.find(([suffix]) => index.endsWith(suffix))?.[1]) as
      | { properties: Record<string, unknown> }
      | undefined;
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
        const written = exists ? conflict('document already exists') : { status: 201, result: 'created', _seq_no: this.seq, _primary_term: 1 };
        items.push({ create: { _index, _id, ...written } });
      } else if (action.delete) {
        // a delete has no body line
        i--;
        const { _index, _id, if_seq_no, if_primary_term } = action.delete;
        const current = this.indices.get(_index)?.get(_id);
        const refused = seqNoConflict(if_seq_no, if_primary_term, current);
        if (!refused && current) this.indices.get(_index)!.delete(_id);
        const outcome = refused ? conflict(refused) : current ? { status: 200, result: 'deleted' } : { status: 404, result: 'not_found' };
        items.push({ delete: { _index, _id, ...outcome } });
      } else {
        const { _index, _id } = action.update;
        const current = this.index(_index).get(_id);
        const ctx = { _source: current ? structuredClone(current.source) : structuredClone(body.upsert), op: 'index' };
        this.scripts.get(body.script.id)!(ctx, structuredClone(body.script.params));
        if (ctx.op !== 'noop') this.put(_index, _id, JSON.parse(JSON.stringify(ctx._source)));
        items.push({ update: { _index, _id, status: current ? 200 : 201, result: ctx.op === 'noop' ? 'noop' : current ? 'updated' : 'created' } });
      }
    }
    const errors = items.some((item) => Object.values(item)[0].status >= 300 && !(item.delete && item.delete.status === 404));
    return { body: { took: 1, errors, items } };
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
    const written = (status: number, result: string): FakeReply => ({ status, body: { _index: index, _id: id, result, _seq_no: this.seq, _primary_term: 1 } });
    if (op === '_doc' && method === 'GET') {
      if (!current) return { status: 404, body: { _index: index, _id: id, found: false } };
      const excludes = query.get('_source_excludes')?.split(',');
      return { body: { _index: index, _id: id, found: true, _seq_no: current.seq, _primary_term: 1, _source: this.source(index, current.source, true, undefined, excludes) } };
    }
    if (op === '_doc' && method === 'DELETE') {
      const refused = seqNoConflict(query.get('if_seq_no'), query.get('if_primary_term'), current);
      if (refused) return conflictReply(refused);
      if (!current) return { status: 404, body: { _index: index, _id: id, result: 'not_found' } };
      this.indices.get(index)!.delete(id);
      return { body: { _index: index, _id: id, result: 'deleted', _seq_no: ++this.seq, _primary_term: 1 } };
    }
    if (op === '_create' || (op === '_doc' && query.get('op_type') === 'create')) {
      if (current) return conflictReply(`[${id}]: version conflict, document already exists (current version [1])`);
      this.put(index, id, body);
      return written(201, 'created');
    }
    if (op === '_doc') {
      // index (PUT/POST): replaces the whole document, conditionally with if_seq_no/if_primary_term
      const refused = seqNoConflict(query.get('if_seq_no'), query.get('if_primary_term'), current);
      if (refused) return conflictReply(refused);
      this.put(index, id, body);
      return written(current ? 200 : 201, current ? 'updated' : 'created');
    }
    if (!current) return notFound('document_missing_exception', id);
    const refused = seqNoConflict(query.get('if_seq_no'), query.get('if_primary_term'), current);
    if (refused) return conflictReply(refused);
    this.put(index, id, { ...current.source, ...body.doc });
    return written(200, 'updated');
  }

  /** `_delete_by_query`: every match its search finds deleted (a document changed since is a conflict, skipped as with `conflicts=proceed`). */
  private deleteByQuery(names: string[], body: any): FakeReply {
    let deleted = 0;
    for (const name of names) {
      const index = this.indices.get(name)!;
      // it deletes what its search finds: the index as of its last refresh, where a document still is now
      for (const [id, d] of [...(this.view(name) ?? [])]) {
        if (index.get(id)?.seq === d.seq && (!body?.query || matches(d.source, id, body.query))) index.delete(id), deleted++;
      }
    }
    return { body: { took: 1, timed_out: false, total: deleted, deleted, batches: 1, version_conflicts: 0, noops: 0, failures: [] } };
  }

  private search(names: string[], body: any): FakeReply & { body: any } {
    const sort = (body.sort ?? []) as SortSpec;
    // what a cluster refuses with search_after (SearchAfterBuilder): a tuple not the sort's length, a from past 0, a value not of its field's type
    if (body.search_after) {
      const after = body.search_after as unknown[];
      if (after.length !== sort.length) return illegalArgument(`search_after has ${after.length} value(s) but sort has ${sort.length}.`);
      if ((body.from ?? 0) > 0) return illegalArgument('`from` parameter must be set to 0 when `search_after` is used.');
      const example = names.flatMap((index) => [...(this.view(index)?.values() ?? [])]).map((d) => sortValues(d.source, sort))[0];
      for (let i = 0; example && i < after.length; i++) {
        if (example[i] !== null && typeof example[i] !== typeof after[i]) return illegalArgument(`Failed to parse search_after value for field [${Object.keys(sort[i])[0]}].`);
      }
    }
    let hits = names
      .flatMap((index) => [...(this.view(index) ?? new Map<string, Stored>())].map(([id, d]) => ({ index, id, d })))
      .filter(({ id, d }) => !body.query || matches(d.source, id, body.query))
      .map((h) => ({ ...h, sort: sortValues(h.d.source, sort) }))
      .sort((a, b) => compareSortTuples(a.sort, b.sort, sort));
    const total = hits.length;
    const aggregations = body.aggs ? aggregate(hits.map((h) => h.d.source), body.aggs) : undefined;
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
            // `_source: [fields]` keeps those fields only, as Elasticsearch's source filtering does
            ...(body._source === false ? {} : { _source: this.source(h.index, h.d.source, body._source ?? true, Array.isArray(body._source) ? body._source : undefined) }),
          })),
        },
        ...(aggregations ? { aggregations } : {}),
      },
    };
  }
}
