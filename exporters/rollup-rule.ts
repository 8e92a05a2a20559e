import { ENTRY_FIELD_FILTERS, type StatsQuery } from './store.js';

export const HOUR_US = 3_600_000_000;

/**
 * Whether hourly rollups answer a stats or time-series query. They are kept
 * per organization and hour only, so an agent, a user (a user-scoped caller
 * or the `user_id` filter) or any entry-field filter needs the entries
 * themselves. One rule for every store that keeps rollups.
 */
export function rollupsAnswer(q: StatsQuery): boolean {
  return q.agent_id === undefined && !q.scope.user_id && q.query === undefined && ENTRY_FIELD_FILTERS.every((f) => q[f] === undefined);
}

/** A stretch of time read from the entries (inclusive µs bounds; undefined: open). */
export interface EntryEdge {
  start_us: number | undefined;
  end_us: number | undefined;
}

/** The whole hours [fromHour, toHour] rollups answer (undefined: open), and the stretches the entries answer. */
export interface RangeSplit {
  hours: { fromHour: number | undefined; toHour: number | undefined } | null;
  edges: EntryEdge[];
}

/**
 * Cuts [start_us, end_us] into the whole hours inside it, at or after
 * `firstRolledHour` (the first hour whose every entry is in the rollups; null:
 * all are), and the rest: the partial hours at the edges and the hours before
 * the rollups began, which the entries answer exactly.
 */
export function splitRange(startUs: number | undefined, endUs: number | undefined, firstRolledHour: number | null): RangeSplit {
  const lowest = firstRolledHour ?? undefined;
  const fromStart = startUs === undefined ? undefined : Math.ceil(startUs / HOUR_US);
  const fromHour = fromStart === undefined ? lowest : lowest === undefined ? fromStart : Math.max(fromStart, lowest);
  const toHour = endUs === undefined ? undefined : Math.floor((endUs + 1) / HOUR_US) - 1;
  if (fromHour !== undefined && toHour !== undefined && fromHour > toHour) return { hours: null, edges: [{ start_us: startUs, end_us: endUs }] };
  const edges: EntryEdge[] = [];
  if (fromHour !== undefined && (startUs === undefined || startUs < fromHour * HOUR_US)) edges.push({ start_us: startUs, end_us: fromHour * HOUR_US - 1 });
  if (toHour !== undefined && endUs !== undefined && endUs >= (toHour + 1) * HOUR_US) edges.push({ start_us: (toHour + 1) * HOUR_US, end_us: endUs });
  return { hours: { fromHour, toHour }, edges };
}
