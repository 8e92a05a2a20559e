import type { Client, estypes } from '@elastic/elasticsearch';
import { joinMessages, type HeldEvent, type MessageSides } from '../../collector/normalize/message-join.js';
import type { EntryRecord, JsonObject } from '../../model/ledger-entry.js';
import { entryId } from '../../model/ids.js';
import type { LogMessageRecord } from '../../model/log-message.js';
import { PermanentStoreError } from '../store.js';
import { bulkItem, bulkOutcomes, bulkWithRetry, DEFAULT_BULK_LIMITS, type BulkLimits, type RetryPolicy } from './bulk-retry.js';
import { entryDocument, recordFromDocument, type EntryDocument } from './entry-document.js';
import { entryIndexFor, type IndexNames } from './index-names.js';
import { collectAll, type SearchSpec } from './search-paging.js';
import { search } from './search-guard.js';

/** A held event as indexed (mappings.ts LOG_MESSAGE_MAPPINGS). */
export interface LogMessageDocument extends HeldEvent {
  entry_id: string;
  organization_id: string;
  trace_id: string;
  span_id: string;
}

export interface LogMessageOptions {
  names: IndexNames;
  retry: RetryPolicy;
  bulk?: BulkLimits;
  /** Entry updates: as the entry writes (false, or 'wait_for'). */
  refresh: false | 'wait_for';
  /** index.max_result_window the store is told of: no search asks for more at once. */
  maxResultWindow: number;
}

/** One event's `_id`: its entry's (organization, trace, span) and its own hash, so a re-sent record is the same document. */
export const logMessageId = (entry: string, logId: string) => `${entry}:${logId}`;

/** Rounds of read, rebuild, conditional write for one entry before a log batch gives up (and is retried whole). */
const MAX_JOIN_ATTEMPTS = 8;
/** Held events read in one plain search (more go through a point in time), and ids in one ids query. */
const EVENTS_PAGE = 1000;
const DAY_US = 86_400_000_000;

/** An entry to (re)build from its events: where to look for it, and which events this write brought. */
interface JoinTarget {
  /** Monthly indices it can be in: read there in real time (no refresh needed). */
  indices: string[];
  /** Log ids this write brought (null: none had reached it before). */
  fresh: Set<string> | null;
}

const sidesOf = (e: { inputs: JsonObject | null; outputs: JsonObject | null }): MessageSides => ({
  inputs: e.inputs === null ? null : JSON.stringify(e.inputs),
  outputs: e.outputs === null ? null : JSON.stringify(e.outputs),
});
const parseSide = (text: string | null): JsonObject | null => (text === null ? null : JSON.parse(text));

/**
 * GenAI events from OTLP logs on Elasticsearch, joined to their span's
 * entry whichever is written first, by the rule the SQLite store uses
 * (collector/normalize/message-join.ts). Events are held in one index,
 * a document each. An entry written after its events takes them in the
 * document it is created with (EntryWriter calls `mergeInto`); events
 * written after their entry rewrite the entry's messages with
 * `if_seq_no`/`if_primary_term`, re-read and retried on a conflict, so two
 * log batches for one entry never lose one another. Entries are otherwise
 * immutable: the rewritten document is the stored one with new
 * inputs/outputs (and the search fields derived from them).
 *
 * The race between the two sides (an entry created while its events are
 * being stored) is closed by order: events are searchable before their
 * writer looks for the entry (refresh `wait_for`), and the entry writer
 * looks for events again once its entries exist (`catchUp`).
 */
export class LogMessageStore {
  constructor(
    private readonly client: Client,
    private readonly options: LogMessageOptions,
  ) {}

  private get page(): number {
    return Math.min(EVENTS_PAGE, this.options.maxResultWindow);
  }

  /** Held events of these entries, by entry id, in one search (a point in time only past a page). */
  async heldFor(entryIds: readonly string[], source: boolean | string[] = true): Promise<Map<string, LogMessageDocument[]>> {
    const out = new Map<string, LogMessageDocument[]>();
    if (!entryIds.length) return out;
    const spec: SearchSpec = {
      index: this.options.names.logMessages,
      query: { terms: { entry_id: [...new Set(entryIds)] } },
      sort: [{ entry_id: 'asc' }, { log_id: 'asc' }],
    };
    const page = this.page;
    const first = await search<LogMessageDocument>(this.client, { index: spec.index, query: spec.query, sort: spec.sort, size: page, _source: source, track_total_hits: false, ignore_unavailable: true });
    const docs =
      first.hits.hits.length < page
        ? first.hits.hits.map((h) => h._source!)
        : await collectAll<LogMessageDocument>(this.client, { ...spec, source }, page);
    for (const d of docs) {
      const list = out.get(d.entry_id);
      if (list) list.push(d);
      else out.set(d.entry_id, [d]);
    }
    return out;
  }

  /** The entries of a batch about to be created, each with the messages its held events give (none, mostly: the same objects). */
  mergeInto(entries: readonly EntryRecord[], held: ReadonlyMap<string, readonly HeldEvent[]>): EntryRecord[] {
    return entries.map((e) => {
      const events = held.get(e.id);
      const next = events ? joinMessages(sidesOf(e), events, null) : null;
      return next ? { ...e, inputs: parseSide(next.inputs), outputs: parseSide(next.outputs) } : e;
    });
  }

  /**
   * After a batch's entries were created with the events `before` held:
   * events another process stored meanwhile (it found no entry yet) are
   * joined now. Finds nothing unless the two raced.
   */
  async catchUp(created: readonly EntryRecord[], before: ReadonlyMap<string, readonly HeldEvent[]>): Promise<void> {
    if (!created.length) return;
    const now = await this.heldFor(created.map((e) => e.id), ['entry_id', 'log_id']);
    const targets = new Map<string, JoinTarget>();
    for (const e of created) {
      const seen = new Set((before.get(e.id) ?? []).map((h) => h.log_id));
      const fresh = (now.get(e.id) ?? []).map((h) => h.log_id).filter((id) => !seen.has(id));
      if (fresh.length) targets.set(e.id, { indices: [entryIndexFor(this.options.names, e.start_us)], fresh: new Set(fresh) });
    }
    await this.join(targets);
  }

  /**
   * Stores a batch of events (a re-sent one is the same document), then
   * rebuilds the messages of the entries already written. Events the cluster
   * refuses for good are a PermanentStoreError naming them, after the others
   * were stored and joined: the caller dead-letters the batch, never drops it.
   */
  async write(messages: readonly LogMessageRecord[]): Promise<void> {
    const { names, retry } = this.options;
    const byId = new Map<string, LogMessageDocument>();
    for (const m of messages) {
      const entry = entryId(m.organization_id, m.trace_id, m.span_id);
      const doc: LogMessageDocument = { entry_id: entry, organization_id: m.organization_id, trace_id: m.trace_id, span_id: m.span_id, log_id: m.log_id, time_us: m.time_us, idx: m.idx, event: m.event };
      byId.set(logMessageId(entry, m.log_id), doc);
    }
    if (!byId.size) return;
    const items = [...byId].map(([id, doc]) => bulkItem(doc, [{ create: { _index: names.logMessages, _id: id } }, doc]));
    // searchable before the entry is looked for: an entry writer that misses this entry's events now finds them in its catch-up
    const send = async (lines: string[]) => bulkOutcomes(await this.client.bulk({ operations: lines, refresh: 'wait_for' }, { maxRetries: 0 }));
    const result = await bulkWithRetry(items, send, retry, false, this.options.bulk ?? DEFAULT_BULK_LIMITS);
    // a conflict is an event stored before (a re-sent record, or a retried batch that stopped before its join): joined again all the same
    const targets = new Map<string, JoinTarget & { times: number[] }>();
    for (const doc of [...result.done, ...result.conflicts]) {
      let t = targets.get(doc.entry_id);
      if (!t) targets.set(doc.entry_id, (t = { indices: [], fresh: new Set(), times: [] }));
      t.fresh!.add(doc.log_id);
      t.times.push(doc.time_us);
    }
    for (const t of targets.values()) t.indices = this.candidateIndices(t.times);
    await this.join(targets);
    if (result.permanent.length) {
      const [first] = result.permanent;
      throw new PermanentStoreError(
        `elasticsearch refused ${result.permanent.length} of ${byId.size} GenAI log event(s) (first: span ${first.item.trace_id}/${first.item.span_id}, log ${first.item.log_id}: ${first.reason})`,
      );
    }
  }

  /**
   * An event is emitted inside its span, so the entry (indexed by its start
   * month) is in the month of the event or, for a span begun the day before
   * across a month's end, the one before.
   */
  private candidateIndices(times: readonly number[]): string[] {
    const { names } = this.options;
    const first = Math.min(...times);
    return [...new Set([entryIndexFor(names, first), entryIndexFor(names, first - DAY_US), entryIndexFor(names, Math.max(...times))])];
  }

  /** Reads each target entry (in real time), rebuilds its messages from all its events, and writes them back conditionally. */
  private async join(targets: ReadonlyMap<string, JoinTarget>): Promise<void> {
    let pending = new Map(targets);
    for (let attempt = 1; pending.size; attempt++) {
      const found = await this.locate(pending);
      if (!found.size) return;
      const events = await this.heldFor([...found.keys()]);
      const updates: Array<{ id: string; lines: unknown[] }> = [];
      for (const [id, stored] of found) {
        const next = joinMessages(sidesOf(stored.source), events.get(id) ?? [], pending.get(id)!.fresh);
        if (!next) continue;
        const record = { ...recordFromDocument(stored.source), inputs: parseSide(next.inputs), outputs: parseSide(next.outputs) };
        const doc = { ...entryDocument(record), ...(stored.source.rollup_batch ? { rollup_batch: stored.source.rollup_batch } : {}) };
        updates.push({ id, lines: [{ index: { _index: stored.index, _id: id, if_seq_no: stored.seqNo, if_primary_term: stored.primaryTerm } }, doc] });
      }
      if (!updates.length) return;
      const send = async (lines: string[]) => bulkOutcomes(await this.client.bulk({ operations: lines, refresh: this.options.refresh }, { maxRetries: 0 }));
      const result = await bulkWithRetry(updates.map((u) => bulkItem(u.id, u.lines)), send, this.options.retry, false, this.options.bulk ?? DEFAULT_BULK_LIMITS);
      if (result.permanent.length) {
        // the events are stored: a retry of the batch joins them again
        throw new PermanentStoreError(`elasticsearch refused the messages of ${result.permanent.length} entr(ies) rebuilt from GenAI log events (first: ${result.permanent[0].item}: ${result.permanent[0].reason})`);
      }
      // a conflict: another batch rewrote the entry since it was read; read it again with every event now held
      if (result.conflicts.length && attempt >= MAX_JOIN_ATTEMPTS) {
        throw new Error(`the messages of ${result.conflicts.length} entr(ies) kept changing under ${attempt} attempts to join GenAI log events; the batch will be retried`);
      }
      pending = new Map(result.conflicts.map((id) => [id, { ...pending.get(id)!, indices: [found.get(id)!.index] }]));
    }
  }

  /** The stored documents of the targets that exist: realtime gets in the likely months, then an ids query over every month for the rest. */
  private async locate(targets: ReadonlyMap<string, JoinTarget>): Promise<Map<string, { index: string; source: EntryDocument; seqNo: number; primaryTerm: number }>> {
    const out = new Map<string, { index: string; source: EntryDocument; seqNo: number; primaryTerm: number }>();
    const docs = [...targets].flatMap(([id, t]) => t.indices.map((index) => ({ _index: index, _id: id })));
    if (docs.length) {
      const r = await this.client.mget<EntryDocument>({ docs });
      for (const d of r.docs) {
        // an index not created yet answers an error for its documents: not found there
        if ('found' in d && d.found && d._source) out.set(d._id, { index: d._index, source: d._source, seqNo: d._seq_no!, primaryTerm: d._primary_term! });
      }
    }
    const rest = [...targets.keys()].filter((id) => !out.has(id));
    // a span longer than the months guessed: found once its index was refreshed (ids capped at max_result_window)
    for (let i = 0; i < rest.length; i += this.page) {
      const ids = rest.slice(i, i + this.page);
      const r = await search<EntryDocument>(this.client, {
        index: this.options.names.entriesPattern, query: { ids: { values: ids } }, size: ids.length, seq_no_primary_term: true, ignore_unavailable: true, allow_no_indices: true,
      } as estypes.SearchRequest);
      for (const h of r.hits.hits) out.set(h._id!, { index: h._index, source: h._source!, seqNo: h._seq_no!, primaryTerm: h._primary_term! });
    }
    return out;
  }
}
