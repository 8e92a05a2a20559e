import type { EntryRecord } from '../../model/ledger-entry.js';
import { parseSearchQuery } from '../../model/search-query.js';
import { RUN_SORT_FIELDS, type QueryScope, type RunQuery, type RunUser } from '../../exporters/store.js';
import { MIDNIGHT_WORD, MIDNIGHTS_US } from './cross-partition.js';
import { AGENTS, BASE_US, HOUR_US, INTRUDER_AGENT, INTRUDER_WORD } from './dataset.js';
import { A, SCOPES } from './scopes.js';

export interface RunListCase {
  caption: string;
  query: RunQuery;
}

export interface RunDetailCase {
  caption: string;
  scope: QueryScope;
  runId: string;
  /** Whose run of the id (getRun's `user`); left out: any. */
  user?: RunUser;
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
  // another user's words in one's trace never match one's run, for a user or an admin
  for (const [name, scope] of Object.entries(SCOPES)) add(`q another user's word, scope ${name}`, { ...base(scope), q: parseSearchQuery(INTRUDER_WORD) });
  add(`q another user's word + a word of the owner's`, { ...base(SCOPES['org_a/alice']), q: parseSearchQuery(`${INTRUDER_WORD} timeout`) });
  add('agent of the other user', { ...base(SCOPES['org_a/alice']), agent_id: INTRUDER_AGENT });
  add('status failed, scope alice (other users fail roots in her traces)', { ...base(SCOPES['org_a/alice']), status: 'failed' });
  add('status running, scope bob', { ...base(SCOPES['org_b/bob']), status: 'running' });
  add('agent + status + range', { ...base(), agent_id: AGENTS[0], status: 'completed', start_us: BASE_US, end_us: BASE_US + 72 * HOUR_US });
  // runs across midnight: their start decides the range, their actions on both days the rest
  const [M1, M2] = MIDNIGHTS_US;
  add('start exactly at midnight', { ...base(), start_us: M1 });
  add('start on the last µs before midnight', { ...base(), start_us: M1 - 1 });
  add('end on the last µs before midnight', { ...base(), end_us: M1 - 1 });
  add('end exactly at midnight', { ...base(), end_us: M2 });
  add('an hour either side of midnight', { ...base(), start_us: M1 - HOUR_US, end_us: M1 + HOUR_US });
  add('an hour either side of midnight, superuser, by cost', { ...base(SCOPES.superuser), start_us: M1 - HOUR_US, end_us: M1 + HOUR_US, sort_by: 'cost' });
  for (const [name, scope] of Object.entries(SCOPES)) add(`q ${MIDNIGHT_WORD} (matches on five days), scope ${name}`, { ...base(scope), q: parseSearchQuery(MIDNIGHT_WORD) });
  add(`q ${MIDNIGHT_WORD} + status failed`, { ...base(), q: parseSearchQuery(MIDNIGHT_WORD), status: 'failed' });
  add(`q ${MIDNIGHT_WORD} + status completed, by cost`, { ...base(), q: parseSearchQuery(MIDNIGHT_WORD), status: 'completed', sort_by: 'cost', sort_order: 'asc' });
  for (const sort_by of RUN_SORT_FIELDS) {
    for (const sort_order of ['asc', 'desc'] as const) {
      for (const page of [0, 1, 3, 999]) add(`sort ${sort_by} ${sort_order}, page ${page} of 5`, { ...base(), sort_by, sort_order, page, page_size: 5 });
      add(`sort ${sort_by} ${sort_order}, superuser, page 1 of 11`, { ...base(SCOPES.superuser), sort_by, sort_order, page: 1, page_size: 11 });
    }
  }
  return cases;
}

/** Every run from each scope that may or may not see it, each user's run of a shared trace, and ids that name no run. */
export function runDetailCases(entries: readonly EntryRecord[]): RunDetailCase[] {
  const runs = new Map<string, { org: string; users: Set<string | null> }>();
  for (const e of entries) {
    const run = runs.get(e.run_id) ?? { org: e.organization_id, users: new Set() };
    run.users.add(e.user_id);
    runs.set(e.run_id, run);
  }
  const cases: RunDetailCase[] = [];
  for (const [runId, { org, users }] of runs) {
    const other = org === 'org_a' ? 'org_b' : 'org_a';
    cases.push({ caption: `run ${runId} from its organization`, scope: { organization_id: org }, runId });
    cases.push({ caption: `run ${runId} from the other organization`, scope: { organization_id: other }, runId });
    for (const user of ['alice', 'bob']) cases.push({ caption: `run ${runId} as ${user}`, scope: { organization_id: org, user_id: user }, runId });
    for (const user of [...users, 'carol']) {
      const who = JSON.stringify(user);
      cases.push({ caption: `run ${runId} of user ${who} from its organization`, scope: { organization_id: org }, runId, user });
      cases.push({ caption: `run ${runId} of user ${who} from the other organization`, scope: { organization_id: other }, runId, user });
      cases.push({ caption: `run ${runId} of user ${who} as superuser`, scope: SCOPES.superuser, runId, user });
      cases.push({ caption: `run ${runId} of user ${who} as alice`, scope: { organization_id: org, user_id: 'alice' }, runId, user });
    }
  }
  const [someRun] = runs.keys();
  cases.push({ caption: 'a run as superuser', scope: SCOPES.superuser, runId: someRun });
  cases.push({ caption: 'an unknown run', scope: A, runId: '00000000-0000-0000-0000-000000000000' });
  cases.push({ caption: 'an unknown run of no user', scope: A, runId: '00000000-0000-0000-0000-000000000000', user: null });
  return cases;
}
