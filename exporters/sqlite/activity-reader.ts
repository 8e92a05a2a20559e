import type { ActivityEvent } from '../../model/agent.js';
import type { ActivityQuery } from '../agent-store.js';
import { activityFromRow, type ActivityRow } from './activity-row.js';
import type { Database } from './driver.js';

/**
 * An agent's activity, newest first, paged. Events of one agent are strictly
 * increasing in time along the chain, so `created_us` orders them exactly and
 * the (agent_id[, event_type], created_us) indexes serve every filter. The
 * public view first narrows to the agent's newest `window` events, then
 * filters and pages within them.
 */
export function listActivity(db: Database, query: ActivityQuery, retentionDays: number): { data: ActivityEvent[]; total: number } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (query.type !== undefined) where.push('event_type = ?'), args.push(query.type);
  if (query.from_us !== undefined) where.push('created_us >= ?'), args.push(query.from_us);
  if (query.to_us !== undefined) where.push('created_us <= ?'), args.push(query.to_us);
  const source =
    query.window === undefined
      ? 'activity_events WHERE agent_id = ?'
      : '(SELECT * FROM activity_events WHERE agent_id = ? ORDER BY created_us DESC LIMIT ?)';
  const sourceArgs = query.window === undefined ? [query.agent_id] : [query.agent_id, query.window];
  const filter = where.length ? `${query.window === undefined ? ' AND' : ' WHERE'} ${where.join(' AND ')}` : '';
  const total = db.prepare(`SELECT count(*) FROM ${source}${filter}`).pluck().get(...sourceArgs, ...args) as number;
  const rows = db
    .prepare(`SELECT * FROM ${source}${filter} ORDER BY created_us DESC LIMIT ? OFFSET ?`)
    .all(...sourceArgs, ...args, query.per_page, (query.page - 1) * query.per_page) as ActivityRow[];
  return { data: rows.map((r) => activityFromRow(r, retentionDays)), total };
}
