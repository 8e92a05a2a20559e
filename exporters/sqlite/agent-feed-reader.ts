import type { ActionFeedItem, LifecycleEvent } from '../../model/agent.js';
import { activityLog, ledgerLog, type LedgerLogSource } from '../../model/agent-logs.js';
import { isoFromMicros } from '../../model/time.js';
import type { ActionFeedQuery } from '../agent-store.js';
import { activityFromRow, type ActivityRow } from './activity-row.js';
import type { AgentRow } from './agent-row.js';
import type { Database } from './driver.js';
import type { LedgerPartitions } from './partition-readers.js';
import { expiresAtUs } from './org-policy.js';
import { usdFromNanos } from '../../model/cost.js';

interface LifecycleRow {
  id: string;
  organization_id: string;
  agent_id: string;
  resource_name: string;
  event_type: string;
  from_state: string | null;
  to_state: string;
  actor_type: string | null;
  actor_id: string | null;
  error: string | null;
  ts_us: number;
}

interface EntryLogRow {
  id: string;
  organization_id: string;
  name: string;
  kind: LedgerLogSource['kind'];
  outcome: LedgerLogSource['outcome'];
  status_message: string | null;
  ts_us: number;
  duration_ms: number;
  cost_nanos: number;
  run_id: string;
  trace_id: string;
  span_id: string;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  inputs: string | null;
  instance_id: string | null;
  parent_span_id: string | null;
  log_outputs: string | null;
  severity_text: string | null;
  severity_number: number | null;
}

type Timed = { us: number; key: string; item: ActionFeedItem };

/**
 * The actions feed: one bounded query per source, each newest first through
 * its (agent, time) index and cut at `limit` (ledger entries: one such query
 * per external id the agent carries), merged here and cut again. Never more
 * than limit × sources rows are read, whatever the agent's history.
 */
export function listAgentActions(
  db: Database,
  agent: AgentRow,
  externalIds: string[],
  q: ActionFeedQuery,
  retentionDays: number,
  partitions: LedgerPartitions,
): ActionFeedItem[] {
  const expires = (us: number) => isoFromMicros(expiresAtUs(us, retentionDays));
  const items: Timed[] = [];

  const lifecycle = db
    .prepare('SELECT * FROM lifecycle_events WHERE agent_id = ? AND ts_us BETWEEN ? AND ? ORDER BY ts_us DESC, seq DESC LIMIT ?')
    .all(agent.id, q.since_us, q.until_us, q.limit) as LifecycleRow[];
  for (const r of lifecycle) {
    const event: LifecycleEvent = {
      organization_id: r.organization_id,
      resource_id: r.agent_id,
      resource_name: r.resource_name,
      provider: 'agent-ledger',
      resource_type: 'agent',
      event_type: r.event_type,
      to_state: r.to_state,
      id: r.id,
      from_state: r.from_state,
      actor_type: r.actor_type,
      actor_id: r.actor_id,
      error: r.error,
      timestamp: isoFromMicros(r.ts_us),
      expires_at: expires(r.ts_us),
    };
    items.push({ us: r.ts_us, key: `e${r.id}`, item: { source: 'event', timestamp: event.timestamp, event } });
  }

  const activity = db
    .prepare('SELECT * FROM activity_events WHERE agent_id = ? AND created_us BETWEEN ? AND ? ORDER BY created_us DESC LIMIT ?')
    .all(agent.id, q.since_us, q.until_us, q.limit) as ActivityRow[];
  for (const r of activity) {
    const log = activityLog(activityFromRow(r, retentionDays), agent.organization_id);
    items.push({ us: r.created_us, key: `a${r.id}`, item: { source: 'log', timestamp: log.timestamp, log } });
  }

  const userFilter = q.scope.user_id ? ' AND user_id = ?' : '';
  const sql = `SELECT id, organization_id, name, kind, outcome, status_message, ts_us, duration_ms, cost_nanos, run_id, trace_id, span_id,
       model, input_tokens, output_tokens, inputs, json_extract(attributes, '$."service.instance.id"') AS instance_id, parent_span_id,
       CASE WHEN kind = 'log' THEN outputs END AS log_outputs,
       CASE WHEN kind = 'log' THEN json_extract(attributes, '$."log.severity_text"') END AS severity_text,
       CASE WHEN kind = 'log' THEN json_extract(attributes, '$."log.severity_number"') END AS severity_number
     FROM entries INDEXED BY entries_org_agent_ts
     WHERE organization_id = ? AND agent_id = ? AND ts_us BETWEEN ? AND ?${userFilter} ORDER BY ts_us DESC LIMIT ?`;
  // partitions newest first: once `limit` entries are in hand, older days cannot enter the page
  let fromLedger = 0;
  for (const part of partitions.newestFirst(q.since_us, q.until_us)) {
    const entries = part.prepare(sql);
    for (const externalId of externalIds) {
      const args: unknown[] = [agent.organization_id, externalId, q.since_us, q.until_us];
      if (q.scope.user_id) args.push(q.scope.user_id);
      for (const r of entries.all(...args, q.limit) as EntryLogRow[]) {
        const { parent_span_id, log_outputs, severity_text, severity_number, ...row } = r;
        const source: LedgerLogSource = {
          ...row,
          timestamp: isoFromMicros(r.ts_us),
          cost_usd: usdFromNanos(r.cost_nanos),
          inputs: r.inputs === null ? null : JSON.parse(r.inputs),
          instance_id: typeof r.instance_id === 'string' ? r.instance_id : null,
          ...(r.kind === 'log' && {
            log: {
              parent_span_id,
              body: log_outputs === null ? null : (JSON.parse(log_outputs) as { body?: unknown }).body ?? null,
              severity_text: typeof severity_text === 'string' ? severity_text : null,
              severity_number: typeof severity_number === 'number' ? severity_number : null,
            },
          }),
        };
        const log = ledgerLog(source, agent.id, expires(r.ts_us));
        items.push({ us: r.ts_us, key: `l${r.id}`, item: { source: 'log', timestamp: log.timestamp, log } });
        fromLedger++;
      }
    }
    if (fromLedger >= q.limit) break;
  }

  // newest first; equal times in a fixed order so pages of the same window agree
  items.sort((a, b) => b.us - a.us || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return items.slice(0, q.limit).map((t) => t.item);
}
