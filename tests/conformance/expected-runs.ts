import { storedDetails } from '../../collector/normalize/stored-details.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { modelConfigOf, promptNameOf } from '../../model/model-config.js';
import { isoFromMicros } from '../../model/time.js';
import type { QueryScope, RunDetail, RunPage, RunQuery, RunSummary, RunUser } from '../../exporters/store.js';
import { compareText, entryOrder, fold, inScope, matchesQ, runKey, runStatuses, toLedgerEntry } from './expected-ledger.js';
import { usdOf } from '../helpers/usd.js';

/**
 * Runs as the contract states them, from the entries in write order. A run
 * is one user's spans of a trace (key: organization, run, user; no user is
 * a user of its own): sums and extremes over those entries; the root's
 * name, span and outcome; the first value written of the prompt name and
 * model config (first write wins); the root's agent, else the first agent
 * written; tags as a set (their order is not part of the contract; see the
 * suite). Another user's spans in the same trace are their own run.
 */
export interface ExpectedRun extends RunSummary {
  organization_id: string;
  start_us: number;
  cost_nanos: number;
}

export function expectedRuns(entries: readonly EntryRecord[]): ExpectedRun[] {
  const statuses = runStatuses(entries);
  const runs = new Map<string, ExpectedRun & { rootAgent: string | null; end_us: number }>();
  for (const e of entries) {
    // a log line is no action of its run
    if (e.kind === 'log') continue;
    const key = runKey(e);
    let r = runs.get(key);
    if (!r) {
      r = {
        id: e.run_id, trace_id: e.trace_id, organization_id: e.organization_id, status: statuses.get(key)!, agent_id: null,
        rootAgent: null, user_id: e.user_id, name: null, root_span_id: null, prompt_name: null, started_at: '', ended_at: '',
        start_us: e.start_us, end_us: e.end_us, duration_ms: 0, total_cost_usd: 0, cost_nanos: 0, action_count: 0, input_tokens: 0,
        output_tokens: 0, total_tokens: 0, model_config: null, tags: [],
      };
      runs.set(key, r);
    }
    r.start_us = Math.min(r.start_us, e.start_us);
    r.end_us = Math.max(r.end_us, e.end_us);
    r.agent_id ??= e.agent_id;
    // hand-built entries carry no details: the store reads them from the attributes, as ingest would
    const details = storedDetails(e.details, e.attributes);
    r.prompt_name ??= promptNameOf({ details });
    r.model_config ??= modelConfigOf({ ...e, details });
    r.action_count++;
    r.cost_nanos += e.cost_nanos;
    // orchestration (agent, chain) repeats its calls' usage: a run counts each call once
    if (e.kind !== 'agent' && e.kind !== 'chain') {
      r.input_tokens += e.input_tokens ?? 0;
      r.output_tokens += e.output_tokens ?? 0;
      r.total_tokens += e.total_tokens ?? 0;
    }
    for (const t of e.tags) if (!r.tags.includes(t)) r.tags.push(t);
    if (e.is_root) {
      r.rootAgent ??= e.agent_id;
      r.name ??= e.name;
      r.root_span_id ??= e.span_id;
    }
  }
  return [...runs.values()].map(({ rootAgent, end_us, ...r }) => ({
    ...r,
    agent_id: rootAgent ?? r.agent_id,
    started_at: isoFromMicros(r.start_us),
    ended_at: isoFromMicros(end_us),
    duration_ms: (end_us - r.start_us) / 1000,
    total_cost_usd: usdOf(r.cost_nanos),
  }));
}

/** A run as the store returns it: no bookkeeping fields. */
export function publicRun(r: ExpectedRun): RunSummary {
  const { organization_id: _o, start_us: _s, cost_nanos: _c, ...run } = r;
  return run;
}

function runInScope(r: ExpectedRun, scope: QueryScope): boolean {
  return inScope(r, scope);
}

function matchesRunSearch(r: ExpectedRun, search: string): boolean {
  const needle = fold(search);
  const name = r.prompt_name ?? r.name;
  const model = r.model_config?.model ?? null;
  return (name !== null && fold(name).includes(needle)) || (model !== null && fold(model).includes(needle));
}

export function expectedRunPage(entries: readonly EntryRecord[], q: RunQuery): RunPage {
  const withQ = q.q ? new Set(entries.filter((e) => inScope(e, q.scope) && matchesQ(e, q.q!)).map(runKey)) : null;
  const dir = q.sort_order === 'asc' ? 1 : -1;
  const key = (r: ExpectedRun) => (q.sort_by === 'cost' ? r.cost_nanos : r.start_us);
  const matches = expectedRuns(entries)
    .filter(
      (r) =>
        runInScope(r, q.scope) &&
        (q.agent_id === undefined || r.agent_id === q.agent_id) &&
        (q.status === undefined || r.status === q.status) &&
        (q.start_us === undefined || r.start_us >= q.start_us) &&
        (q.end_us === undefined || r.start_us <= q.end_us) &&
        (q.search === undefined || matchesRunSearch(r, q.search)) &&
        (withQ === null || withQ.has(runKey({ organization_id: r.organization_id, run_id: r.id, user_id: r.user_id }))),
    )
    .sort((a, b) => dir * (key(a) - key(b) || compareRunKeys(a, b)));
  const from = q.page * q.page_size;
  return { data: matches.slice(from, from + q.page_size).map(publicRun), count: matches.length };
}

/** Ties: run id, then user (no user first), then organization. */
function compareRunKeys(a: ExpectedRun, b: ExpectedRun): number {
  return compareText(a.id, b.id) || compareText(a.user_id ?? '', b.user_id ?? '') || compareText(a.organization_id, b.organization_id);
}

/** exporters/store.ts getRun: the run of `user`, else the scope's first of the id by organization, start, then user; that user's actions. */
export function expectedRunDetail(entries: readonly EntryRecord[], scope: QueryScope, runId: string, user?: RunUser): RunDetail | null {
  const run = expectedRuns(entries)
    .filter((r) => r.id === runId && runInScope(r, scope) && (user === undefined || r.user_id === user))
    .sort((a, b) => compareText(a.organization_id, b.organization_id) || a.start_us - b.start_us || compareText(a.user_id ?? '', b.user_id ?? ''))[0];
  if (!run) return null;
  const statuses = runStatuses(entries);
  const actions = entries
    .filter((e) => e.organization_id === run.organization_id && e.run_id === runId && e.user_id === run.user_id)
    .sort(entryOrder('timestamp', 'asc'))
    .map((e) => toLedgerEntry(e, statuses));
  return { run: publicRun(run), actions };
}
