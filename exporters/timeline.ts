import type { EntityType } from '../model/entities.js';

/** An extracted entity to filter by (store.ts LedgerFilter.entity). */
export interface EntityFilter {
  type: EntityType;
  value: string;
}

/**
 * The aggregates of an entity timeline (GET /api/v1/entities/{type}/{value}/timeline)
 * over every entry a LedgerFilter matches: how many, when first and last
 * seen (µs), and how many per agent (null: entries without an agent) and
 * per UTC day (`YYYY-MM-DD`), agents by count then id, days in order.
 */
export interface TimelineSummary {
  count: number;
  first_seen_us: number | null;
  last_seen_us: number | null;
  by_agent: Array<{ agent_id: string | null; count: number }>;
  by_day: Array<{ day: string; count: number }>;
}
