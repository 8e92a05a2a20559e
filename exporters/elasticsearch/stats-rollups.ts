import { createHash } from 'node:crypto';
import { durationBucket, durationMicros } from '../../model/duration-histogram.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { HOUR_US } from '../rollup-rule.js';
import type { IndexNames } from './index-names.js';
import type { StoredEntry } from './run-markers.js';

/**
 * Hourly stats rollups, as the SQLite store keeps them
 * (exporters/sqlite/rollup-writer.ts), in `<prefix>-rollups`: one document
 * per (organization, hour, dimension, key) holding `n`, `cost_nanos` and
 * `duration_us` sums. Dimensions: `outcome` (all three sums), `name` and
 * `agent` (n, cost), `duration` (n per model/duration-histogram.ts bucket,
 * so percentiles equal SQLite's). No all-time document: a hot document every
 * write would contend on; all time is the sum of the hours.
 *
 * Counted exactly once with the runs' mechanism (run-markers.ts): the
 * writer counts an entry into the rollups when it counts it into its run,
 * in the same bulk, before the markers that then say "counted" for both.
 * For the moment between the update and the markers, each document keeps
 * the tokens of its last ROLLUP_APPLIED_WINDOW updates, as a run keeps span
 * ids: a write's entries as one token (its batch), an entry counted later
 * than its write as its own id. The script skips an entry whose batch or id
 * is there, so a batch that comes back is not counted again.
 */
export const ROLLUP_DIMENSIONS = ['outcome', 'name', 'agent', 'duration'] as const;
export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];

/** Tokens a rollup document keeps (about 40 bytes each): every write rewrites it, so this stays small. */
export const ROLLUP_APPLIED_WINDOW = 512;

interface Contribution {
  /** What the document remembers: the write's batch, or a late entry's id. */
  token: string;
  /** A late entry's own batch: when the document remembers it, the entry was counted with it. */
  batch: string | null;
  n: number;
  cost_nanos: number;
  duration_us: number;
}

export interface RollupUpdate {
  id: string;
  organization_id: string;
  hour: number;
  dimension: RollupDimension;
  key: string;
  contributions: Contribution[];
}

export function rollupDocId(organizationId: string, hour: number, dimension: RollupDimension, key: string): string {
  return createHash('sha256').update(JSON.stringify([organizationId, hour, dimension, key])).digest('base64url');
}

/** The keys an entry adds to, with what it adds (cost and µs only where that dimension sums them). */
export function rollupKeys(e: EntryRecord): Array<{ hour: number; dimension: RollupDimension; key: string; cost: number; dur: number }> {
  const hour = Math.floor(e.start_us / HOUR_US);
  const keys: Array<{ hour: number; dimension: RollupDimension; key: string; cost: number; dur: number }> = [
    { hour, dimension: 'outcome', key: e.outcome, cost: e.cost_nanos, dur: durationMicros(e.duration_ms) },
    { hour, dimension: 'name', key: e.name, cost: e.cost_nanos, dur: 0 },
    { hour, dimension: 'duration', key: String(durationBucket(e.duration_ms)), cost: 0, dur: 0 },
  ];
  if (e.agent_id !== null) keys.push({ hour, dimension: 'agent', key: e.agent_id, cost: e.cost_nanos, dur: 0 });
  return keys;
}

/** One update a rollup document: this write's new entries summed under its batch, late ones one by one. */
export function rollupUpdates(batch: string, fresh: readonly EntryRecord[], late: readonly StoredEntry[]): RollupUpdate[] {
  const docs = new Map<string, RollupUpdate & { own?: Contribution }>();
  const docOf = (e: EntryRecord, k: ReturnType<typeof rollupKeys>[number]) => {
    const id = rollupDocId(e.organization_id, k.hour, k.dimension, k.key);
    let doc = docs.get(id);
    if (!doc) docs.set(id, (doc = { id, organization_id: e.organization_id, hour: k.hour, dimension: k.dimension, key: k.key, contributions: [] }));
    return doc;
  };
  for (const e of fresh) {
    for (const k of rollupKeys(e)) {
      const doc = docOf(e, k);
      if (!doc.own) doc.contributions.push((doc.own = { token: batch, batch: null, n: 0, cost_nanos: 0, duration_us: 0 }));
      doc.own.n++;
      doc.own.cost_nanos += k.cost;
      doc.own.duration_us += k.dur;
    }
  }
  for (const s of late) {
    for (const k of rollupKeys(s.record)) docOf(s.record, k).contributions.push({ token: s.record.id, batch: s.batch, n: 1, cost_nanos: k.cost, duration_us: k.dur });
  }
  return [...docs.values()].map(({ own: _own, ...u }) => u);
}

/** Stored once (putScript) and called by id from every bulk update; painless in the subset tests run as JavaScript. */
export const STATS_ROLLUP_SCRIPT = `
def s = ctx._source;
if (s.dimension == null) {
  s.organization_id = params.organization_id; s.hour = params.hour; s.dimension = params.dimension; s.key = params.key;
  s.n = 0; s.cost_nanos = 0; s.duration_us = 0; s.applied = new ArrayList();
}
Set applied = new HashSet(s.applied);
long n = 0; long cost = 0; long dur = 0;
for (def c : params.contributions) {
  if (applied.contains(c.token) || (c.batch != null && applied.contains(c.batch))) { continue; }
  applied.add(c.token);
  s.applied.add(c.token);
  n += ((Number) c.n).longValue();
  cost += ((Number) c.cost_nanos).longValue();
  dur += ((Number) c.duration_us).longValue();
}
if (n == 0) {
  ctx.op = 'noop';
} else {
  s.n = ((Number) s.n).longValue() + n;
  s.cost_nanos = ((Number) s.cost_nanos).longValue() + cost;
  s.duration_us = ((Number) s.duration_us).longValue() + dur;
  if (s.applied.size() > params.keep) { s.applied = s.applied.subList(s.applied.size() - params.keep, s.applied.size()); }
}
`;

export const statsScriptId = (names: IndexNames) => `${names.prefix}-stats-rollup`;

export function rollupUpdateLines(u: RollupUpdate, index: string, scriptId: string): unknown[] {
  return [
    // every write of the hour updates the same documents: concurrent writers retry on the shard
    { update: { _index: index, _id: u.id, retry_on_conflict: 10 } },
    {
      scripted_upsert: true,
      script: {
        id: scriptId,
        params: {
          organization_id: u.organization_id, hour: u.hour, dimension: u.dimension, key: u.key, contributions: u.contributions,
          keep: Math.max(ROLLUP_APPLIED_WINDOW, u.contributions.length),
        },
      },
      upsert: {},
    },
  ];
}
