import { createHash } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { runDocId, type IndexNames } from './index-names.js';

/**
 * Which entries the runs rollup already counted (run-rollup.ts), kept
 * outside the run's document so that document stays small. A marker is an
 * empty document whose `_id` says:
 * - `<run>:<batch>`: every entry `batch` created in `run` was counted (the
 *   run's update for a batch is one scripted update: all or nothing);
 * - `<run>:<batch>:<span>`: this one entry was counted later than its batch
 *   (its batch's run update had been lost), or it has no batch (written
 *   before batches were recorded).
 * Looked up by a realtime mget: no refresh is needed to see one just written.
 */
export interface StoredEntry {
  record: EntryRecord;
  /** The write that created it (entry field `rollup_batch`); null before batches were recorded. */
  batch: string | null;
}

const runKey = (e: EntryRecord) => createHash('sha256').update(runDocId(e.organization_id, e.run_id, e.user_id)).digest('base64url');
const batchMarker = (e: EntryRecord, batch: string) => `${runKey(e)}:${batch}`;
const entryMarker = (e: EntryRecord, batch: string | null) => `${runKey(e)}:${batch ?? '-'}:${e.span_id}`;

/** The entries among `stored` whose run already counted them. */
export async function countedAlready(client: Client, names: IndexNames, stored: readonly StoredEntry[]): Promise<Set<EntryRecord>> {
  if (!stored.length) return new Set();
  const ids = [...new Set(stored.flatMap((s) => [entryMarker(s.record, s.batch), ...(s.batch ? [batchMarker(s.record, s.batch)] : [])]))];
  const response = await client.mget({ index: names.runApplied, ids, _source: false });
  const found = new Set(response.docs.filter((d) => 'found' in d && d.found).map((d) => d._id));
  return new Set(
    stored.filter((s) => found.has(entryMarker(s.record, s.batch)) || (s.batch !== null && found.has(batchMarker(s.record, s.batch)))).map((s) => s.record),
  );
}

/** The bulk lines of the markers for what a write just counted: its own entries by batch, late ones one by one. */
export function markerLines(names: IndexNames, batch: string, fresh: readonly EntryRecord[], late: readonly StoredEntry[], now: number): unknown[][] {
  const ids = new Set([...fresh.map((e) => batchMarker(e, batch)), ...late.map((s) => entryMarker(s.record, s.batch))]);
  return [...ids].map((id) => [{ index: { _index: names.runApplied, _id: id } }, { at: now }]);
}
