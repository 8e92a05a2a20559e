import type { ChainedEventFields } from '../../model/activity-hash.js';
import type { ActivityEvent } from '../../model/agent.js';
import { isoFromMicros } from '../../model/time.js';
import type { Severity } from '../../model/trust-score.js';
import { expiresAtUs } from './org-policy.js';

export interface ActivityRow {
  seq: number;
  id: string;
  organization_id: string;
  agent_id: string;
  sequence: number;
  event_type: string;
  severity: Severity;
  metadata: string;
  reported_by: string;
  created_us: number;
  prev_hash: string;
  hash: string;
}

/** The seed's fields first, then the chain's. */
export function activityFromRow(row: ActivityRow, retentionDays: number): ActivityEvent {
  return {
    id: row.id,
    agent_id: row.agent_id,
    event_type: row.event_type,
    severity: row.severity,
    metadata: JSON.parse(row.metadata),
    reported_by: row.reported_by,
    created_at: isoFromMicros(row.created_us),
    sequence: row.sequence,
    prev_hash: row.prev_hash,
    hash: row.hash,
    expires_at: isoFromMicros(expiresAtUs(row.created_us, retentionDays)),
  };
}

/** The fields the hash covers, as stored. */
export function chainedFieldsOf(row: ActivityRow): ChainedEventFields {
  return {
    id: row.id,
    organization_id: row.organization_id,
    agent_id: row.agent_id,
    sequence: row.sequence,
    event_type: row.event_type,
    severity: row.severity,
    metadata: JSON.parse(row.metadata),
    reported_by: row.reported_by,
    created_at: isoFromMicros(row.created_us),
  };
}
