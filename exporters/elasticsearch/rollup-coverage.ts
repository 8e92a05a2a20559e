import type { Client } from '@elastic/elasticsearch';
import { HOUR_US } from '../rollup-rule.js';
import type { IndexNames } from './index-names.js';
import { search } from './search-guard.js';

/**
 * From which hour the stats rollups hold every entry. Entries written by a
 * release without rollups are in none, so a cluster that already holds
 * entries when the rollups index first appears gets a boundary: the first
 * whole hour after both now and its newest entry. Hours from there on are
 * answered from the rollups; hours before it from aggregations over the
 * entries, exactly as before (a fallback, not a migration: rebuilding
 * rollups from months of entries while writers count new ones into the same
 * documents cannot be made exact without stopping them, and the old hours
 * answer correctly as they are). A new cluster has no boundary: every hour.
 *
 * Kept as the `coverage` document of the rollups index, written once with
 * `op_type: create` (processes starting together agree on the first one).
 */
export interface RollupCoverage {
  /** The first hour (µs / HOUR_US) whose every entry is in the rollups; null: every hour. */
  firstRolledHour: number | null;
}

export const COVERAGE_ID = 'coverage';

interface CoverageDoc {
  first_rolled_hour: number | null;
  created_at: number;
}

export async function ensureRollupCoverage(client: Client, names: IndexNames, nowMs: number = Date.now()): Promise<RollupCoverage> {
  const stored = await readCoverage(client, names);
  if (stored) return stored;
  // the entries written so far, by whatever release, are what the rollups lack
  await client.indices.refresh({ index: names.entriesPattern, ignore_unavailable: true, allow_no_indices: true });
  // a partial answer would set the boundary too early
  const r = await search(client, { index: names.entriesPattern, size: 0, ignore_unavailable: true, allow_no_indices: true, aggs: { newest: { max: { field: 'ts_us' } } } });
  const newest = (r.aggregations?.newest as { value: number | null } | undefined)?.value ?? null;
  const firstRolledHour = newest === null ? null : Math.floor(Math.max(nowMs * 1000, newest) / HOUR_US) + 1;
  const doc: CoverageDoc = { first_rolled_hour: firstRolledHour, created_at: nowMs };
  await client.create({ index: names.rollups, id: COVERAGE_ID, document: doc, refresh: 'wait_for' }, { ignore: [409] });
  return (await readCoverage(client, names)) ?? { firstRolledHour };
}

async function readCoverage(client: Client, names: IndexNames): Promise<RollupCoverage | null> {
  const r = await client.get<CoverageDoc>({ index: names.rollups, id: COVERAGE_ID }, { ignore: [404] });
  return r.found && r._source ? { firstRolledHour: r._source.first_rolled_hour ?? null } : null;
}
