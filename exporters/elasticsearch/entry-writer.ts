import { randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { PermanentStoreError, type WriteResult } from '../store.js';
import { bulkItem, bulkOutcomes, bulkWithRetry, DEFAULT_BULK_LIMITS, type BulkLimits, type ItemOutcome, type RetryPolicy } from './bulk-retry.js';
import { capKeywords, entryDocument, recordFromDocument, type EntryDocument } from './entry-document.js';
import { entryIndexFor, type IndexNames } from './index-names.js';
import type { LogMessageStore } from './log-messages.js';
import { countedAlready, markerLines, type StoredEntry } from './run-markers.js';
import { runUpdateLines, runUpdates } from './run-rollup.js';
import { rollupUpdateLines, rollupUpdates, statsScriptId } from './stats-rollups.js';

/** The span times the receiver accepts (otlp.max_span_age_days, otlp.max_future_skew_seconds). */
export interface AcceptedWindow {
  maxSpanAgeDays: number;
  maxFutureSkewSeconds: number;
}

export interface EntryWriterOptions {
  names: IndexNames;
  scriptId: string;
  retry: RetryPolicy;
  /** Entry bulks: false (default) never waits for a refresh; 'wait_for' resolves once searchable. */
  refresh: false | 'wait_for';
  bulk?: BulkLimits;
  /** Entries outside it are refused for good, before any index is created for them (null: any time). */
  window?: AcceptedWindow | null;
  now?: () => number;
  /** GenAI events from OTLP logs held for entries not yet written: merged into them (log-messages.ts). */
  logs?: LogMessageStore;
  /** The agent side of a write (agents-ingest.ts): called with the entries this batch created, after their runs. */
  afterCreate?: (created: EntryRecord[]) => Promise<void>;
}

/**
 * Slack past the receiver's window: an entry accepted at its edge may be
 * written later (queue retries, a replayed dead letter) and must not be
 * refused for that; the number of monthly indices stays bounded all the same.
 */
const WINDOW_SLACK_MS = 31 * 86_400_000;

/**
 * Writes a batch: every entry created with `op_type: create` and `_id` = its
 * id in the month index of its start time (first write wins: 409 means
 * already there, not inserted), then the runs of the entries this batch
 * created, and of those it found already there (run-rollup.ts counts each
 * entry once). Resolves when the cluster acknowledged every write (the
 * translog is fsynced per request by default). Bulks are cut to the
 * configured bytes and actions (bulk-retry.ts).
 */
export class EntryWriter {
  constructor(
    private readonly client: Client,
    private readonly options: EntryWriterOptions,
  ) {}

  async write(batch: readonly EntryRecord[]): Promise<WriteResult> {
    const seen = new Set<string>();
    // a copy later in the same batch is a re-delivery too: it must not be offered twice
    // cut as stored, so the runs count the same values the entries hold
    const unique = batch.filter((e) => !seen.has(e.id) && seen.add(e.id)).map(capKeywords);
    if (!unique.length) return { inserted: 0 };
    const { names, retry } = this.options;
    const outside = this.outsideWindow(unique);
    const refused = new Set(outside.map((o) => o.item));
    const accepted = refused.size ? unique.filter((e) => !refused.has(e)) : unique;
    // events that came first go into the document the entry is created with: no second write
    const held = this.options.logs ? await this.options.logs.heldFor(accepted.map((e) => e.id)) : new Map();
    const entries = this.options.logs && held.size ? this.options.logs.mergeInto(accepted, held) : accepted;
    // the write that creates an entry: its run marker (run-markers.ts) later tells whether it was counted
    const batchId = randomUUID();
    const items = entries.map((e) => bulkItem(e, [{ create: { _index: entryIndexFor(names, e.start_us), _id: e.id } }, { ...entryDocument(e), rollup_batch: batchId }]));
    const result = await bulkWithRetry(items, (lines) => this.send(lines, this.options.refresh), retry, false, this.options.bulk ?? DEFAULT_BULK_LIMITS);
    result.permanent.unshift(...outside);
    const created = new Set(result.done.map((e) => e.id));
    await this.options.logs?.catchUp(result.done, held);
    const stored = await this.storedCopies(result.conflicts);
    const counted = await countedAlready(this.client, names, [...stored.values()]);
    const late = [...stored.values()].filter((s) => !counted.has(s.record));
    const lateIds = new Map(late.map((s) => [s.record.id, s.record]));
    // in write order: first values (agent, prompt, model config) are the batch's first
    const toCount = entries.flatMap((e) => (created.has(e.id) ? [e] : lateIds.has(e.id) ? [lateIds.get(e.id)!] : []));
    await this.countIntoRollups(batchId, toCount, toCount.filter((e) => created.has(e.id)), late, true);
    await this.options.afterCreate?.(entries.filter((e) => created.has(e.id)));
    if (result.permanent.length) {
      const [first] = result.permanent;
      throw new PermanentStoreError(
        `elasticsearch refused ${result.permanent.length} of ${unique.length} entries (first: ${first.item.id}: ${first.reason}); ${result.done.length} were written`,
      );
    }
    return { inserted: result.done.length };
  }

  private async send(lines: string[], refresh: false | 'wait_for'): Promise<ItemOutcome[]> {
    // bulkWithRetry retries with backoff: the transport's own retries would multiply its attempts
    return bulkOutcomes(await this.client.bulk({ operations: lines, refresh }, { maxRetries: 0 }));
  }

  /** Each month is an index: without a bound, one key could create thousands of them (cluster.max_shards_per_node). */
  private outsideWindow(entries: readonly EntryRecord[]): Array<{ item: EntryRecord; reason: string }> {
    const window = this.options.window;
    if (!window) return [];
    const now = (this.options.now ?? Date.now)();
    const from = (now - window.maxSpanAgeDays * 86_400_000 - WINDOW_SLACK_MS) * 1000;
    const to = (now + window.maxFutureSkewSeconds * 1000 + WINDOW_SLACK_MS) * 1000;
    return entries
      .filter((e) => !(e.start_us >= from && e.start_us <= to))
      .map((item) => ({ item, reason: `start ${item.start_us} µs is outside the accepted time window (otlp.max_span_age_days, otlp.max_future_skew_seconds)` }));
  }

  /** Entries that were already there, as first written, with the write that created them (realtime get: no refresh needed). */
  private async storedCopies(conflicts: EntryRecord[]): Promise<Map<string, StoredEntry>> {
    if (!conflicts.length) return new Map();
    const docs = conflicts.map((e) => ({ _index: entryIndexFor(this.options.names, e.start_us), _id: e.id }));
    const response = await this.client.mget<EntryDocument>({ docs });
    const out = new Map<string, StoredEntry>();
    for (const doc of response.docs) {
      if ('found' in doc && doc.found && doc._source) out.set(doc._id, { record: recordFromDocument(doc._source), batch: doc._source.rollup_batch ?? null });
    }
    return out;
  }

  /** Counts entries already stored into their runs and stats rollups (each once: run-markers.ts), e.g. to rebuild the runs. */
  async rollUp(documents: readonly EntryDocument[]): Promise<void> {
    const stored = documents.map((d) => ({ record: recordFromDocument(d), batch: d.rollup_batch ?? null }));
    const counted = await countedAlready(this.client, this.options.names, stored);
    const late = stored.filter((s) => !counted.has(s.record));
    await this.countIntoRollups(randomUUID(), late.map((s) => s.record), [], late, true);
  }

  /**
   * Counts stored entries again into runs that were deleted (retention
   * rebuilds the runs that lost entries from those left), whatever their
   * markers say: those tell whether the deleted run had counted them. The
   * stats rollups counted them when they were written: not again.
   */
  async recount(documents: readonly EntryDocument[]): Promise<void> {
    const stored = documents.map((d) => ({ record: recordFromDocument(d), batch: d.rollup_batch ?? null }));
    await this.countIntoRollups(randomUUID(), stored.map((s) => s.record), [], stored, false);
  }

  /**
   * One scripted update a run and one a stats rollup document (in the same
   * bulks), then the markers that say so for both. A crash in between leaves
   * the documents' recent `applied` windows to skip them (run-rollup.ts,
   * stats-rollups.ts).
   */
  private async countIntoRollups(batchId: string, ordered: readonly EntryRecord[], fresh: readonly EntryRecord[], late: readonly StoredEntry[], stats: boolean): Promise<void> {
    const { names, scriptId, retry } = this.options;
    const items = [
      ...runUpdates(ordered).map((u) => bulkItem(u.id, runUpdateLines(u, names.runs, scriptId))),
      ...(stats ? rollupUpdates(batchId, fresh, late).map((u) => bulkItem(u.id, rollupUpdateLines(u, names.rollups, statsScriptId(names)))) : []),
    ];
    if (!items.length) return;
    const bulk = this.options.bulk ?? DEFAULT_BULK_LIMITS;
    const result = await bulkWithRetry(items, (lines) => this.send(lines, false), retry, true, bulk);
    if (result.permanent.length) {
      // the entries are in; a retry of the batch counts them (their creates answer 409, no marker says they were counted)
      throw new PermanentStoreError(`elasticsearch refused ${result.permanent.length} rollup update(s) (runs, stats): ${result.permanent[0].reason}`);
    }
    const markers = markerLines(names, batchId, fresh, late, Date.now()).map((lines, i) => bulkItem(i, lines));
    const marked = await bulkWithRetry(markers, (lines) => this.send(lines, false), retry, false, bulk);
    if (marked.permanent.length) throw new PermanentStoreError(`elasticsearch refused ${marked.permanent.length} runs marker(s): ${marked.permanent[0].reason}`);
  }
}
