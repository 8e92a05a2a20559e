import type { MappingError } from './elasticsearch-emulator-mapping.js';
import { matches, type Doc } from './elasticsearch-emulator-query.js';
import type { IndexView, StoredDoc } from './elasticsearch-emulator-reads.js';
import type { FakeReply } from './elasticsearch-fake-client.js';

/**
 * Single-document APIs of the emulator (elasticsearch-emulator.ts) and
 * delete-by-query, with the conditional writes a cluster checks:
 * `op_type: create` (409 when the `_id` exists) and
 * `if_seq_no`/`if_primary_term` (409 when the document changed or is gone).
 * Gets are realtime; delete-by-query deletes what its search finds, i.e.
 * the index as of its last refresh.
 */
export interface DocStore {
  readonly indices: Map<string, Map<string, StoredDoc>>;
  /** Stores a document its index's mapping accepts (a new sequence number); the refusal otherwise. */
  put(index: string, id: string, source: Doc): MappingError | null;
  /** Removes a document, taking a new sequence number. */
  remove(index: string, id: string): number;
  /** The last sequence number given. */
  readonly lastSeq: number;
  source(index: string, doc: Doc, filter: unknown, includes?: string[], excludes?: string[]): Doc | undefined;
}

export const conflict = (reason: string) => ({ status: 409, error: { type: 'version_conflict_engine_exception', reason } });
const conflictReply = (reason: string): FakeReply => ({ status: 409, body: { error: conflict(reason).error, status: 409 } });
const refusedReply = (e: MappingError): FakeReply => ({ status: e.status, body: { error: { type: e.type, reason: e.reason }, status: e.status } });

/** A write's `if_seq_no`/`if_primary_term` against the current document, as Elasticsearch checks them (a missing document conflicts too). */
export function seqNoConflict(seqNo: unknown, primaryTerm: unknown, current: StoredDoc | undefined): string | null {
  if (seqNo === null || seqNo === undefined) return null;
  if (!current) return `required seqNo [${seqNo}], primary term [${primaryTerm}] but no document was found`;
  if (Number(seqNo) !== current.seq || Number(primaryTerm ?? 1) !== 1) return `required seqNo [${seqNo}], current document has seqNo [${current.seq}]`;
  return null;
}

/** GET, PUT/POST (index, or create with `op_type=create`), DELETE of `<index>/_doc/<id>`, `_create` and `_update`. */
export function documentRequest(store: DocStore, method: string, op: string, index: string, id: string, body: any, query: URLSearchParams): FakeReply {
  const current = store.indices.get(index)?.get(id);
  const written = (status: number, result: string): FakeReply => ({ status, body: { _index: index, _id: id, result, _seq_no: store.lastSeq, _primary_term: 1 } });
  if (op === '_doc' && method === 'GET') {
    if (!current) return { status: 404, body: { _index: index, _id: id, found: false } };
    const excludes = query.get('_source_excludes')?.split(',');
    return { body: { _index: index, _id: id, found: true, _seq_no: current.seq, _primary_term: 1, _source: store.source(index, current.source, true, undefined, excludes) } };
  }
  const refused = seqNoConflict(query.get('if_seq_no'), query.get('if_primary_term'), current);
  if (op === '_doc' && method === 'DELETE') {
    if (refused) return conflictReply(refused);
    if (!current) return { status: 404, body: { _index: index, _id: id, result: 'not_found' } };
    return { body: { _index: index, _id: id, result: 'deleted', _seq_no: store.remove(index, id), _primary_term: 1 } };
  }
  if (op === '_create' || (op === '_doc' && query.get('op_type') === 'create')) {
    if (current) return conflictReply(`[${id}]: version conflict, document already exists (current version [1])`);
    const error = store.put(index, id, body);
    return error ? refusedReply(error) : written(201, 'created');
  }
  if (op === '_doc') {
    // index (PUT/POST): replaces the whole document, conditionally with if_seq_no/if_primary_term
    if (refused) return conflictReply(refused);
    const error = store.put(index, id, body);
    return error ? refusedReply(error) : written(current ? 200 : 201, current ? 'updated' : 'created');
  }
  if (!current) return { status: 404, body: { error: { type: 'document_missing_exception', reason: id }, status: 404 } };
  if (refused) return conflictReply(refused);
  const error = store.put(index, id, { ...current.source, ...body.doc });
  return error ? refusedReply(error) : written(200, 'updated');
}

/** `_delete_by_query`: every match its search finds deleted (a document changed since is skipped, as with `conflicts=proceed`). */
export function deleteByQuery(store: DocStore, view: IndexView, body: any): FakeReply {
  let deleted = 0;
  for (const [name, searchable] of view) {
    const index = store.indices.get(name);
    // it deletes what its search finds: the index as of its last refresh, where a document still is now
    for (const [id, d] of [...searchable]) {
      if (index?.get(id)?.seq === d.seq && (!body?.query || matches(d.source, id, body.query))) store.remove(name, id), deleted++;
    }
  }
  return { body: { took: 1, timed_out: false, total: deleted, deleted, batches: 1, version_conflicts: 0, noops: 0, failures: [] } };
}
