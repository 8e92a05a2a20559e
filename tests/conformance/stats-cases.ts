import type { StatsQuery, TimeseriesQuery } from '../../exporters/store.js';
import { MIDNIGHTS_US } from './cross-partition.js';
import { AGENTS, BASE_US, HOUR_US } from './dataset.js';
import { entryFieldCases } from './ledger-cases.js';
import { A, SCOPES } from './scopes.js';

export interface StatsCase {
  caption: string;
  query: StatsQuery;
}

const NOV_30_LAST_US = Date.UTC(2024, 10, 30, 23, 59, 59) * 1000 + 999_999;
const JAN_1_US = Date.UTC(2025, 0, 1) * 1000;
const [M1, M2, M3] = MIDNIGHTS_US;

/** Ranges that cut hours (rollup stores must read the edges exactly), whole hours, one µs, month edges. */
const RANGES: Array<[string, { start_us?: number; end_us?: number }]> = [
  ['all time', {}],
  ['a range cutting hours at both ends', { start_us: BASE_US + HOUR_US + 123_456, end_us: BASE_US + 30 * HOUR_US + 7 }],
  ['inside one hour', { start_us: BASE_US + 5 * HOUR_US + 1, end_us: BASE_US + 6 * HOUR_US - 2 }],
  ['whole hours exactly', { start_us: BASE_US + 5 * HOUR_US, end_us: BASE_US + 7 * HOUR_US - 1 }],
  ['one µs on an hour', { start_us: BASE_US + 5 * HOUR_US, end_us: BASE_US + 5 * HOUR_US }],
  ['start only, mid-hour', { start_us: BASE_US + 40 * HOUR_US + 999 }],
  ['end only, mid-hour', { end_us: BASE_US + 20 * HOUR_US + 1 }],
  ['over the month edges', { start_us: NOV_30_LAST_US, end_us: JAN_1_US }],
  ['nothing inside', { start_us: BASE_US - 10 * HOUR_US, end_us: BASE_US - 9 * HOUR_US }],
  // day (partition) edges: partial hours on two days, whole days, single µs at midnight
  ['across midnight, cutting hours on both days', { start_us: M1 - 90 * 60_000_000 + 7, end_us: M1 + 2 * HOUR_US + 3 }],
  ['across two midnights, mid-hour to mid-hour', { start_us: M1 - 30 * 60_000_000, end_us: M3 + 30 * 60_000_000 + 1 }],
  ['the last hour before midnight and the first after', { start_us: M1 - HOUR_US, end_us: M1 + HOUR_US - 1 }],
  ['one µs, exactly at midnight', { start_us: M1, end_us: M1 }],
  ['the two µs around midnight', { start_us: M1 - 1, end_us: M1 }],
  ['a whole day exactly', { start_us: M1, end_us: M2 - 1 }],
  ['end exactly at midnight', { end_us: M2 }],
  ['start on the last µs before midnight', { start_us: M2 - 1 }],
];

export function statsCases(): StatsCase[] {
  const cases: StatsCase[] = [];
  for (const [scopeName, scope] of Object.entries(SCOPES)) {
    for (const [rangeName, range] of RANGES) cases.push({ caption: `${scopeName}, ${rangeName}`, query: { scope, ...range } });
  }
  for (const agent of [...AGENTS, 'sub-agent', 'nobody']) {
    cases.push({ caption: `agent ${JSON.stringify(agent)}, all time`, query: { scope: A, agent_id: agent } });
  }
  cases.push({ caption: 'agent + range cutting hours', query: { scope: A, agent_id: AGENTS[0], start_us: BASE_US + 2 * HOUR_US + 5, end_us: BASE_US + 60 * HOUR_US - 5 } });
  cases.push({ caption: 'superuser + agent', query: { scope: SCOPES.superuser, agent_id: AGENTS[5] } });
  cases.push({ caption: 'alice + agent + range', query: { scope: SCOPES['org_a/alice'], agent_id: AGENTS[0], start_us: BASE_US, end_us: BASE_US + 48 * HOUR_US } });
  for (const [caption, fields] of entryFieldCases()) {
    cases.push({ caption: `${caption}, all time`, query: { scope: A, ...fields } });
  }
  cases.push({ caption: 'kind llm + range cutting hours', query: { scope: A, kind: 'llm', start_us: BASE_US + HOUR_US + 3, end_us: M2 + 5 } });
  cases.push({ caption: 'alice scope + user_id bob', query: { scope: SCOPES['org_a/alice'], user_id: 'bob' } });
  cases.push({ caption: 'superuser + tag prod + range', query: { scope: SCOPES.superuser, tag: 'prod', start_us: M1 - 7, end_us: M3 } });
  return cases;
}

export interface TimeseriesCase {
  caption: string;
  query: TimeseriesQuery;
}

/** Hour and day buckets over ranges that cut hours and days, whole ones, across midnights and month edges, with filters that skip the rollups. */
export function timeseriesCases(): TimeseriesCase[] {
  const ranges: Array<[string, { start_us: number; end_us: number }]> = [
    ['the first three days', { start_us: BASE_US - 3 * HOUR_US, end_us: BASE_US + 72 * HOUR_US }],
    ['cutting hours at both ends', { start_us: BASE_US + HOUR_US + 123_456, end_us: BASE_US + 30 * HOUR_US + 7 }],
    ['inside one hour', { start_us: BASE_US + 5 * HOUR_US + 1, end_us: BASE_US + 6 * HOUR_US - 2 }],
    ['whole hours exactly', { start_us: BASE_US + 5 * HOUR_US, end_us: BASE_US + 7 * HOUR_US - 1 }],
    ['across midnight, cutting hours on both days', { start_us: M1 - 90 * 60_000_000 + 7, end_us: M1 + 2 * HOUR_US + 3 }],
    ['across two midnights, mid-hour to mid-hour', { start_us: M1 - 30 * 60_000_000, end_us: M3 + 30 * 60_000_000 + 1 }],
    ['one µs, exactly at midnight', { start_us: M1, end_us: M1 }],
    ['over the month edges', { start_us: NOV_30_LAST_US - 5 * HOUR_US, end_us: JAN_1_US + 5 }],
  ];
  const cases: TimeseriesCase[] = [];
  for (const interval of ['hour', 'day'] as const) {
    for (const [name, range] of ranges) {
      cases.push({ caption: `${interval}, org_a, ${name}`, query: { scope: A, interval, ...range } });
      cases.push({ caption: `${interval}, superuser + kind llm, ${name}`, query: { scope: SCOPES.superuser, interval, kind: 'llm', ...range } });
    }
    cases.push({ caption: `${interval}, alice's scope, the first three days`, query: { scope: SCOPES['org_a/alice'], interval, ...ranges[0][1] } });
    cases.push({ caption: `${interval}, agent + tag, across two midnights`, query: { scope: A, interval, agent_id: AGENTS[0], tag: 'prod', ...ranges[5][1] } });
    cases.push({ caption: `${interval}, org_b, across two midnights`, query: { scope: SCOPES.org_b, interval, ...ranges[5][1] } });
  }
  return cases;
}
