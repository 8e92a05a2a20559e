import { seededRandom } from '../../bench/seeded-random.js';
import type { EntryRecord, Outcome } from '../../model/ledger-entry.js';
import { AGENTS, BASE_US, HOUR_US, entry, hex, type RunPlan } from './dataset.js';

/**
 * Records that cut across day boundaries, where the embedded store keeps one
 * partition a UTC day (exporters/sqlite/partition-files.ts) and Elasticsearch
 * one index a month: runs whose spans straddle midnight (the root on either
 * side), a run over three days, an organization's run and another's at the
 * same midnight, ties on cost, duration and name on both sides of it, and
 * spans written late, after newer days already hold rows (one of them
 * founding a day older than every other). The answers are computed from the
 * records like every other case's.
 */

/** 2024-12-29T00:00:00Z, 2024-12-30T00:00:00Z, 2024-12-31T00:00:00Z: the midnights the runs straddle. */
export const MIDNIGHTS_US = [BASE_US + 24 * HOUR_US, BASE_US + 48 * HOUR_US, BASE_US + 72 * HOUR_US] as const;
const [M1, M2, M3] = MIDNIGHTS_US;
/** In the payloads of spans on five days: `q` for it matches rows and runs on several partitions. */
export const MIDNIGHT_WORD = 'midnightword';
/** The name, cost and duration spans share on both sides of a midnight: sorts tie across partitions. */
export const TIED = { name: 'midnight_tool', cost_nanos: 10_000_000, duration_ms: 1.5 } as const;

/** A span of a run: its start, whether it is the root, and what it overrides. */
interface SpanPlan {
  at: number;
  root?: boolean;
  late?: boolean;
  word?: boolean;
  tied?: boolean;
}

interface CrossRun {
  org: string;
  user: string | null;
  agent: string;
  rootOutcome: Outcome;
  spans: SpanPlan[];
}

const RUNS: CrossRun[] = [
  // root on the earlier day, children on both sides, a failed root: status, cost and counts from both days
  { org: 'org_a', user: 'alice', agent: AGENTS[0], rootOutcome: 'error', spans: [
    { at: M1 - 2_000, root: true, word: true }, { at: M1 - 1_000, tied: true }, { at: M1 - 1 }, { at: M1, word: true }, { at: M1 + 1, tied: true },
    { at: M1 + 3_000 },
  ] },
  // children on the earlier day, the root after midnight and written late: running until then
  { org: 'org_a', user: null, agent: AGENTS[1], rootOutcome: 'success', spans: [
    { at: M1 - 500, tied: true }, { at: M1 - 499 }, { at: M1 + 250, root: true, late: true },
  ] },
  // three days: the last µs of one, the first of the next, mid-day, and late spans on the first and last
  { org: 'org_a', user: 'bob', agent: AGENTS[2], rootOutcome: 'blocked', spans: [
    { at: M2 - 1, root: true }, { at: M2, tied: true, word: true }, { at: M2 + 12 * HOUR_US + 17 }, { at: M2 - 10 * HOUR_US, late: true, tied: true },
    { at: M3 + HOUR_US + 5, late: true, word: true },
  ] },
  // another organization at the same midnight
  { org: 'org_b', user: 'alice', agent: AGENTS[3], rootOutcome: 'success', spans: [
    { at: M1 - 1, root: true, tied: true }, { at: M1, word: true }, { at: M1 + 2 },
  ] },
  // written late: a root founding a day older than every other, its child a month later (days between hold other runs)
  { org: 'org_a', user: 'alice', agent: AGENTS[4], rootOutcome: 'success', spans: [
    { at: BASE_US - 31 * 24 * HOUR_US - 3 * HOUR_US - 11, root: true, late: true, word: true }, { at: BASE_US + 1, late: true, tied: true },
  ] },
];

/** The records in write order: `main` with the rest of the dataset, `late` once every day is written. */
export function crossPartitionEntries(seed = 20241229): { main: EntryRecord[]; late: EntryRecord[] } {
  const rnd = seededRandom(seed);
  const main: EntryRecord[] = [];
  const late: EntryRecord[] = [];
  let i = 10_000;
  for (const run of RUNS) {
    const traceId = hex(rnd, 32);
    const rootId = hex(rnd, 16);
    const plan: RunPlan = { org: run.org, user: run.user, agent: run.agent, childAgent: null, size: run.spans.length, root: true, rootOutcome: run.rootOutcome, start: run.spans[0].at };
    for (const s of run.spans) {
      let e = entry(plan, traceId, s.root ? rootId : hex(rnd, 16), s.root ? null : rootId, i++, rnd, s.at);
      if (s.tied) e = { ...e, ...TIED, end_us: e.start_us + TIED.duration_ms * 1000 };
      if (s.word) e = { ...e, inputs: { note: `${MIDNIGHT_WORD} at ${new Date(s.at / 1000).toISOString()}` } };
      (s.late ? late : main).push(e);
    }
  }
  return { main, late };
}

/** The UTC day of a time, as the embedded store names its partitions. */
export const dayOf = (us: number): number => Math.floor(us / (24 * HOUR_US));

/** Runs (organization, run, user) whose spans lie on more than one day. */
export function runsAcrossDays(entries: readonly EntryRecord[]): Map<string, Set<number>> {
  const days = new Map<string, Set<number>>();
  for (const e of entries) {
    const key = JSON.stringify([e.organization_id, e.run_id, e.user_id]);
    (days.get(key) ?? days.set(key, new Set()).get(key)!).add(dayOf(e.start_us));
  }
  return new Map([...days].filter(([, d]) => d.size > 1));
}
