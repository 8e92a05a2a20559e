import { conversationIdOf } from '../../collector/normalize/conversation-id.js';
import type { EntryRecord, LedgerEntry, RunStatus } from '../../model/ledger-entry.js';
import { visitSearchableValues } from '../../model/search-fields.js';
import type { SearchQuery, SearchTerm } from '../../model/search-query.js';
import { indexTokens, tokenMatches } from '../../model/search-text.js';
import { isoFromMicros } from '../../model/time.js';
import type { EntryFieldFilter, LedgerFilter, LedgerKeyset, LedgerPage, LedgerQuery, LedgerSortField, QueryScope } from '../../exporters/store.js';
import { usdOf } from '../helpers/usd.js';

/**
 * The answers every store must give, computed here from the records alone,
 * straight from the contract's words (exporters/store.ts, DESIGN.md
 * "Queries"), never from a store's code.
 */

/** A run is one user's spans of a trace (DESIGN.md, Tenancy): its key is (organization, run, user), no user being a user of its own. */
export const runKey = (e: { organization_id: string; run_id: string; user_id: string | null }) =>
  JSON.stringify([e.organization_id, e.run_id, e.user_id]);

/** A run is running until a root of its user arrived; failed when such a root failed (only `error`: a blocked root completes). */
export function runStatuses(entries: readonly EntryRecord[]): Map<string, RunStatus> {
  const roots = new Map<string, { n: number; error: boolean }>();
  for (const e of entries) {
    const k = runKey(e);
    const r = roots.get(k) ?? { n: 0, error: false };
    if (e.is_root) {
      r.n++;
      r.error ||= e.outcome === 'error';
    }
    roots.set(k, r);
  }
  return new Map([...roots].map(([k, r]) => [k, r.n === 0 ? 'running' : r.error ? 'failed' : 'completed']));
}

export function toLedgerEntry(e: EntryRecord, statuses: Map<string, RunStatus>): LedgerEntry {
  return {
    id: e.id,
    name: e.name,
    outcome: e.outcome,
    cost_usd: usdOf(e.cost_nanos),
    duration_ms: e.duration_ms,
    inputs: e.inputs,
    outputs: e.outputs,
    run_id: e.run_id,
    run_status: statuses.get(runKey(e))!,
    agent_id: e.agent_id,
    timestamp: isoFromMicros(e.start_us),
    compliance_metadata: e.compliance_metadata,
    organization_id: e.organization_id,
    trace_id: e.trace_id,
    span_id: e.span_id,
    parent_span_id: e.parent_span_id,
    kind: e.kind,
    model: e.model,
    provider: e.provider,
    input_tokens: e.input_tokens,
    output_tokens: e.output_tokens,
    total_tokens: e.total_tokens,
    service_name: e.service_name,
    status_message: e.status_message,
    tags: e.tags,
    attributes: e.attributes,
    end_timestamp: isoFromMicros(e.end_us),
    truncated_fields: e.truncated_fields,
    redactions: e.redactions,
    entities: e.entities,
  };
}

export function inScope(e: { organization_id: string; user_id: string | null }, scope: QueryScope): boolean {
  if (scope.organization_id !== null && e.organization_id !== scope.organization_id) return false;
  return !scope.user_id || e.user_id === scope.user_id;
}

/** The seed's `search`: a literal, Unicode case-insensitive substring (NFC, then lower case). */
export function fold(s: string): string {
  return s.normalize('NFC').toLowerCase();
}

function matchesSearch(e: EntryRecord, search: string): boolean {
  const needle = fold(search);
  return [e.name, e.agent_id, e.outcome].some((v) => v !== null && fold(v).includes(needle));
}

/** `q`: every included term found as consecutive tokens inside one searchable value, no excluded one. */
export function matchesQ(e: EntryRecord, q: SearchQuery): boolean {
  const values: string[][] = [];
  visitSearchableValues(e, (_field, text) => {
    const tokens: string[] = [];
    indexTokens(text, tokens);
    values.push(tokens);
  });
  const found = (term: SearchTerm) =>
    values.some((tokens) => {
      for (let i = 0; i + term.tokens.length <= tokens.length; i++) {
        if (term.tokens.every((t, j) => tokenMatches(tokens[i + j], t))) return true;
      }
      return false;
    });
  return q.include.every(found) && !q.exclude.some(found);
}

export function matchesFilter(e: EntryRecord, f: LedgerFilter): boolean {
  return (
    inScope(e, f.scope) &&
    (f.outcome === undefined || e.outcome === f.outcome) &&
    (f.action_name === undefined || e.name === f.action_name) &&
    (f.agent_id === undefined || e.agent_id === f.agent_id) &&
    (f.run_id === undefined || e.run_id === f.run_id) &&
    (f.min_cost_nanos === undefined || e.cost_nanos >= f.min_cost_nanos) &&
    (f.max_cost_nanos === undefined || e.cost_nanos <= f.max_cost_nanos) &&
    (f.start_us === undefined || e.start_us >= f.start_us) &&
    (f.end_us === undefined || e.start_us <= f.end_us) &&
    (f.search === undefined || matchesSearch(e, f.search)) &&
    (f.q === undefined || matchesQ(e, f.q)) &&
    (f.entity === undefined || (e.entities[f.entity.type] ?? []).includes(f.entity.value)) &&
    matchesEntryFields(e, f)
  );
}

/** store.ts EntryFieldFilter, word for word: exact values; a tag among the tags; the conversation id as conversationIdOf defines it. */
export function matchesEntryFields(e: EntryRecord, f: EntryFieldFilter): boolean {
  return (
    (f.kind === undefined || e.kind === f.kind) &&
    (f.model === undefined || e.model === f.model) &&
    (f.provider === undefined || e.provider === f.provider) &&
    (f.user_id === undefined || e.user_id === f.user_id) &&
    (f.service_name === undefined || e.service_name === f.service_name) &&
    (f.tag === undefined || e.tags.includes(f.tag)) &&
    (f.conversation_id === undefined || conversationIdOf(e.attributes) === f.conversation_id)
  );
}

/** Text sorts compare code points (= UTF-8 bytes), not UTF-16 units: what SQL BINARY and Lucene both do. */
export function compareText(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const SORT_KEY: Record<LedgerSortField, (e: EntryRecord) => number | string> = {
  timestamp: (e) => e.start_us,
  cost: (e) => e.cost_nanos,
  duration: (e) => e.duration_ms,
  name: (e) => e.name,
};

/** A record's position in a sort: its sort key (µs, nano-USD, the duration as stored, the name), then its id. */
export function positionOf(e: EntryRecord, sortBy: LedgerSortField): LedgerKeyset {
  return { key: SORT_KEY[sortBy](e), id: e.id };
}

function comparePositions(a: LedgerKeyset, b: LedgerKeyset, order: 'asc' | 'desc'): number {
  const c = typeof a.key === 'string' ? compareText(a.key, b.key as string) : a.key - (b.key as number);
  return (order === 'asc' ? 1 : -1) * (c !== 0 ? c : compareText(a.id, b.id));
}

/** The sort, then id, both in the sort's direction (DESIGN.md: sorts break ties on id). */
export function entryOrder(sortBy: LedgerSortField, order: 'asc' | 'desc') {
  return (a: EntryRecord, b: EntryRecord): number => comparePositions(positionOf(a, sortBy), positionOf(b, sortBy), order);
}

/** The page at `page`, or right after the position `after`; `next` is the page's last position when a match follows it. */
export function expectedLedgerPage(entries: readonly EntryRecord[], query: LedgerQuery): LedgerPage {
  const statuses = runStatuses(entries);
  const matches = entries.filter((e) => matchesFilter(e, query)).sort(entryOrder(query.sort_by, query.sort_order));
  const after = query.after;
  const from = after
    ? matches.filter((e) => comparePositions(positionOf(e, query.sort_by), after, query.sort_order) <= 0).length
    : query.page * query.page_size;
  const page = matches.slice(from, from + query.page_size);
  const next = page.length && from + page.length < matches.length ? positionOf(page[page.length - 1], query.sort_by) : null;
  return { data: page.map((e) => toLedgerEntry(e, statuses)), count: matches.length, next };
}

/** Exports: newest first, then id, after `after` when given, at most `limit`. */
export function expectedExport(entries: readonly EntryRecord[], filter: LedgerFilter, limit: number, after?: LedgerKeyset): LedgerEntry[] {
  const statuses = runStatuses(entries);
  return entries
    .filter((e) => matchesFilter(e, filter))
    .filter((e) => !after || comparePositions(positionOf(e, 'timestamp'), after, 'desc') > 0)
    .sort(entryOrder('timestamp', 'desc'))
    .slice(0, limit)
    .map((e) => toLedgerEntry(e, statuses));
}
