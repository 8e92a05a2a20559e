import type { Client, estypes } from '@elastic/elasticsearch';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { PermanentStoreError, type WriteResult } from '../store.js';
import { bulkWithRetry, type ItemOutcome, type RetryPolicy } from './bulk-retry.js';
import { entryDocument, recordFromDocument, type EntryDocument } from './entry-document.js';
import { entryIndexFor, type IndexNames } from './index-names.js';
import { runUpdateLines, runUpdates, type RunUpdate } from './run-rollup.js';

export interface EntryWriterOptions {
  names: IndexNames;
  scriptId: string;
  retry: RetryPolicy;
  /** Entry bulks: false (default) never waits for a refresh; 'wait_for' resolves once searchable. */
  refresh: false | 'wait_for';
  /** The agent side of a write (agents-ingest.ts): called with the entries this batch created, after their runs. */
  afterCreate?: (created: EntryRecord[]) => Promise<void>;
}

function outcomesOf(response: estypes.BulkResponse): ItemOutcome[] {
  return response.items.map((item) => {
    const op = (item.create ?? item.update ?? item.index)!;
    return { status: op.status, error: op.error ?? null };
  });
}

/**
 * Writes a batch: every entry created with `op_type: create` and `_id` = its
 * id in the month index of its start time (first write wins: 409 means
 * already there, not inserted), then the runs of the entries this batch
 * created, and of those it found already there (run-rollup.ts counts each
 * entry once). Resolves when the cluster acknowledged every write (the
 * translog is fsynced per request by default).
 */
export class EntryWriter {
  constructor(
    private readonly client: Client,
    private readonly options: EntryWriterOptions,
  ) {}

  async write(batch: readonly EntryRecord[]): Promise<WriteResult> {
    const seen = new Set<string>();
    // a copy later in the same batch is a re-delivery too: it must not be offered twice
    const entries = batch.filter((e) => !seen.has(e.id) && seen.add(e.id));
    if (!entries.length) return { inserted: 0 };
    const { names, retry } = this.options;
    const result = await bulkWithRetry(
      entries,
      async (items) => {
        const operations = items.flatMap((e) => [{ create: { _index: entryIndexFor(names, e.start_us), _id: e.id } }, entryDocument(e)]);
        return outcomesOf(await this.client.bulk({ operations, refresh: this.options.refresh }));
      },
      retry,
      false,
    );
    const created = new Set(result.done.map((e) => e.id));
    const stored = await this.storedCopies(result.conflicts);
    const counted = entries.flatMap((e) => (created.has(e.id) ? [e] : stored.has(e.id) ? [stored.get(e.id)!] : []));
    await this.updateRuns(runUpdates(counted));
    await this.options.afterCreate?.(entries.filter((e) => created.has(e.id)));
    if (result.permanent.length) {
      const [first] = result.permanent;
      throw new PermanentStoreError(
        `elasticsearch refused ${result.permanent.length} of ${entries.length} entries (first: ${first.item.id}: ${first.reason}); ${result.done.length} were written`,
      );
    }
    return { inserted: result.done.length };
  }

  /** Entries that were already there, as first written (realtime get: no refresh needed). */
  private async storedCopies(conflicts: EntryRecord[]): Promise<Map<string, EntryRecord>> {
    if (!conflicts.length) return new Map();
    const docs = conflicts.map((e) => ({ _index: entryIndexFor(this.options.names, e.start_us), _id: e.id }));
    const response = await this.client.mget<EntryDocument>({ docs });
    const out = new Map<string, EntryRecord>();
    for (const doc of response.docs) {
      if ('found' in doc && doc.found && doc._source) out.set(doc._id, recordFromDocument(doc._source));
    }
    return out;
  }

  /** Counts entries already stored into their runs (each once a run: run-rollup.ts), e.g. to rebuild the runs. */
  rollUp(entries: readonly EntryRecord[]): Promise<void> {
    return this.updateRuns(runUpdates(entries));
  }

  private async updateRuns(updates: RunUpdate[]): Promise<void> {
    if (!updates.length) return;
    const { names, scriptId, retry } = this.options;
    const result = await bulkWithRetry(
      updates,
      async (items) => {
        const operations = items.flatMap((u) => runUpdateLines(u, names.runs, scriptId));
        return outcomesOf(await this.client.bulk({ operations, refresh: false }));
      },
      retry,
      true,
    );
    if (result.permanent.length) {
      // the entries are in; a retry of the batch counts them (their creates answer 409, the script skips counted ones)
      throw new PermanentStoreError(`elasticsearch refused the runs rollup of ${result.permanent.length} run(s): ${result.permanent[0].reason}`);
    }
  }
}
