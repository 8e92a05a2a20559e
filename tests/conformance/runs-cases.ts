import type { EntryRecord } from '../../model/ledger-entry.js';
import { parseSearchQuery } from '../../model/search-query.js';
import { RUN_SORT_FIELDS, type QueryScope, type RunQuery } from '../../exporters/store.js';
import { AGENTS, BASE_US, HOUR_US } from './dataset.js';
import { A, SCOPES } from './scopes.js';

export interface RunListCase {
  caption: string;
  query: RunQuery;
}

export interface RunDetailCase {
  caption: string;
  scope: QueryScope;
  runId: string;
}

const base = (scope = A): RunQuery => ({ scope, sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 1000 });

export function runListCases(): RunListCase[] {
  const cases: RunListCase[] = [];
  const add = (caption: string, query: RunQuery) => cases.push({ caption, query });
  for (const [name, scope] of Object.entries(SCOPES)) add(`scope ${name}: every run`, base(scope));
  for (const agent of [...AGENTS, 'sub-agent']) add(`agent ${JSON.stringify(agent)}`, { ...base(), agent_id: agent });
  for (const status of ['running', 'completed', 'failed'] as const) add(`status ${status}`, { ...base(), status });
  add('start on an exact hour', { ...base(), start_us: BASE_US + 5 * HOUR_US });
  add('end on the last µs of an hour', { ...base(), end_us: BASE_US + 7 * HOUR_US - 1 });
  add('range cutting hours', { ...base(), start_us: BASE_US + HOUR_US + 17, end_us: BASE_US + 40 * HOUR_US - 17 });
  for (const s of ['support', 'TRIAGE', 'agent_run', 'AGENT_RUN', 'gpt', 'SONNET', '%', '_', '*', '東京', 'résumé', 'RÉSUMÉ', 'zzz']) {
    add(`search ${JSON.stringify(s)} (prompt name, else root name, or model)`, { ...base(), search: s });
  }
  for (const q of ['refund', '"connection timeout"', '東京', 'zzzz']) add(`q ${JSON.stringify(q)}`, { ...base(), q: parseSearchQuery(q) });
  add('q + status failed', { ...base(), q: parseSearchQuery('timeout'), status: 'failed' });
  add('q, scope alice', { ...base(SCOPES['org_a/alice']), q: parseSearchQuery('refund') });
  add('agent + status + range', { ...base(), agent_id: AGENTS[0], status: 'completed', start_us: BASE_US, end_us: BASE_US + 72 * HOUR_US });
  for (const sort_by of RUN_SORT_FIELDS) {
    for (const sort_order of ['asc', 'desc'] as const) {
      for (const page of [0, 1, 3, 999]) add(`sort ${sort_by} ${sort_order}, page ${page} of 5`, { ...base(), sort_by, sort_order, page, page_size: 5 });
      add(`sort ${sort_by} ${sort_order}, superuser, page 1 of 11`, { ...base(SCOPES.superuser), sort_by, sort_order, page: 1, page_size: 11 });
    }
  }
  return cases;
}

/** Every run from each scope that may or may not see it, and ids that name no run. */
export function runDetailCases(entries: readonly EntryRecord[]): RunDetailCase[] {
  const runs = new Map<string, string>();
  for (const e of entries) runs.set(e.run_id, e.organization_id);
  const cases: RunDetailCase[] = [];
  for (const [runId, org] of runs) {
    cases.push({ caption: `run ${runId} from its organization`, scope: { organization_id: org }, runId });
    cases.push({ caption: `run ${runId} from the other organization`, scope: { organization_id: org === 'org_a' ? 'org_b' : 'org_a' }, runId });
    cases.push({ caption: `run ${runId} as alice`, scope: { organization_id: org, user_id: 'alice' }, runId });
  }
  const [someRun] = runs.keys();
  cases.push({ caption: 'a run as superuser', scope: SCOPES.superuser, runId: someRun });
  cases.push({ caption: 'an unknown run', scope: A, runId: '00000000-0000-0000-0000-000000000000' });
  return cases;
}
