import type { EntryRecord, LedgerEntry, Outcome } from '../model/ledger-entry.js';

/**
 * Whose data a read may see. Every read carries one; a store applies it in
 * the query itself, so no route can forget it. `organization_id` null means
 * every organization (superusers only); `user_id` set means only runs of
 * that user.
 */
export interface QueryScope {
  organization_id: string | null;
  user_id?: string | null;
}

export const LEDGER_SORT_FIELDS = ['timestamp', 'cost', 'duration', 'name'] as const;
export type LedgerSortField = (typeof LEDGER_SORT_FIELDS)[number];
export type SortOrder = 'asc' | 'desc';

/** Backend-neutral ledger filters (DESIGN.md "Queries"); times in µs, cost in micro-USD, bounds inclusive. */
export interface LedgerFilter {
  scope: QueryScope;
  outcome?: Outcome;
  action_name?: string;
  agent_id?: string;
  run_id?: string;
  min_cost_micros?: number;
  max_cost_micros?: number;
  start_us?: number;
  end_us?: number;
  /** Literal, case-insensitive substring of action name, agent id or outcome; never query syntax. */
  search?: string;
}

export interface LedgerQuery extends LedgerFilter {
  sort_by: LedgerSortField;
  sort_order: SortOrder;
  /** 0-based. */
  page: number;
  page_size: number;
}

export interface LedgerPage {
  data: LedgerEntry[];
  /** Every match, not only this page's. */
  count: number;
}

export interface WriteResult {
  /** Entries new to the store; the rest were already there and left untouched. */
  inserted: number;
}

/**
 * The storage contract every backend implements and `tests/conformance` checks.
 *
 * - `write` is idempotent by entry id: the first write of an id wins, later
 *   copies are ignored, never duplicated and never rewritten. It resolves only
 *   once every entry of the batch is durable (fsynced / acknowledged by the
 *   cluster); rollups change only for entries actually inserted. A rejection
 *   means nothing may be assumed written: the caller retries the whole batch,
 *   which idempotency makes safe.
 * - Reads answer exactly, for every backend, what the conformance suite
 *   expects; a backend that cannot answer a filter exactly refuses it.
 */
export interface Store {
  write(entries: EntryRecord[]): Promise<WriteResult>;
  queryLedger(query: LedgerQuery): Promise<LedgerPage>;
  /** Resolves when the store can serve reads and writes; rejects with the reason otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A failure that retrying cannot fix (bad data): dead-letter it instead of retrying. */
export class PermanentStoreError extends Error {
  override name = 'PermanentStoreError';
}
