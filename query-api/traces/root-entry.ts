import type { RunSummary } from '../../exporters/store.js';
import type { LedgerEntry } from '../../model/ledger-entry.js';

/** The trace's root span among its actions; null while the root has not arrived. */
export function rootEntryOf(run: Pick<RunSummary, 'root_span_id'>, actions: readonly LedgerEntry[]): LedgerEntry | null {
  if (run.root_span_id === null) return null;
  return actions.find((e) => e.span_id === run.root_span_id) ?? null;
}
