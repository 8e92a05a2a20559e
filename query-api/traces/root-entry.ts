import type { RunSummary } from '../../exporters/store.js';
import type { LedgerEntry } from '../../model/ledger-entry.js';

/**
 * The trace's root span among its actions. Entries do not carry the
 * root flag, so: a span whose parent is not in the trace (none, or remote)
 * and that bears the run's root name. null while the root has not arrived
 * (the run's `name` is set only by a root), so an orphan is never taken for it.
 */
export function rootEntryOf(run: Pick<RunSummary, 'name'>, actions: readonly LedgerEntry[]): LedgerEntry | null {
  if (run.name === null) return null;
  const spanIds = new Set(actions.map((e) => e.span_id));
  const tops = actions.filter((e) => e.parent_span_id === null || !spanIds.has(e.parent_span_id));
  return tops.find((e) => e.name === run.name && e.parent_span_id === null) ?? tops.find((e) => e.name === run.name) ?? null;
}
