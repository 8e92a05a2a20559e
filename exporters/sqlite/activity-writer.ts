import { randomUUID } from 'node:crypto';
import { activityEventHash, GENESIS_HASH } from '../../model/activity-hash.js';
import type { ActivityEvent } from '../../model/agent.js';
import { activityObservation, observe, type TrustState } from '../../model/trust-score.js';
import { ActivityRejectedError, type ActivityInput } from '../agent-store.js';
import { activityFromRow, chainedFieldsOf, type ActivityRow } from './activity-row.js';
import { agentRowById } from './agent-registry.js';
import { saveTrustState, trustStateOf, type AgentSettings } from './agent-row.js';
import type { Database } from './driver.js';
import { expiresAtUs, readPolicy } from './org-policy.js';

interface ChainHead {
  organization_id: string;
  length: number;
  hash: string;
  time_us: number;
  trust: TrustState;
}

/**
 * Appends events to their agents' hash chains: all of a batch or none, in one
 * IMMEDIATE transaction, so the head each event links to is the one stored
 * (another process appending to the same chain waits for the lock). An
 * event's time is the server's clock, kept strictly increasing along a chain
 * so the chain's order is also its time order.
 */
export function appendActivity(db: Database, inputs: readonly ActivityInput[], reportedBy: string, settings: AgentSettings): ActivityEvent[] {
  return db.transaction(() => {
    const heads = new Map<string, ChainHead>();
    const insert = db.prepare(`INSERT INTO activity_events (id, organization_id, agent_id, sequence, event_type, severity, metadata,
      reported_by, created_us, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const retention = new Map<string, number>();
    const events = inputs.map((input, index) => {
      let head = heads.get(input.agent_id);
      if (!head) {
        const row = agentRowById(db, input.agent_id);
        if (!row) throw new ActivityRejectedError(index, 'not_found', `agent ${input.agent_id} not found`);
        if (row.status !== 'active') throw new ActivityRejectedError(index, 'deactivated', `agent ${row.asn} is deactivated`);
        head = { organization_id: row.organization_id, length: row.chain_length, hash: row.chain_head ?? GENESIS_HASH, time_us: row.chain_head_us ?? 0, trust: trustStateOf(row) };
        heads.set(input.agent_id, head);
      }
      const createdUs = Math.max(settings.now(), head.time_us + 1);
      const row: ActivityRow = {
        seq: 0,
        id: randomUUID(),
        organization_id: head.organization_id,
        agent_id: input.agent_id,
        sequence: head.length + 1,
        event_type: input.event_type,
        severity: input.severity,
        metadata: JSON.stringify(input.metadata),
        reported_by: reportedBy,
        created_us: createdUs,
        prev_hash: head.hash,
        hash: '',
      };
      row.hash = activityEventHash(chainedFieldsOf(row), head.hash);
      insert.run(row.id, row.organization_id, row.agent_id, row.sequence, row.event_type, row.severity, row.metadata, row.reported_by,
        row.created_us, row.prev_hash, row.hash);
      const observation = activityObservation(input.event_type, input.severity, createdUs);
      if (observation) head.trust = observe(head.trust, observation, settings.trust_half_life_days);
      head.length = row.sequence;
      head.hash = row.hash;
      head.time_us = createdUs;
      let days = retention.get(head.organization_id);
      if (days === undefined) retention.set(head.organization_id, (days = readPolicy(db, head.organization_id, settings.retention_days).retention_days));
      return activityFromRow(row, days);
    });
    const update = db.prepare(`UPDATE agents SET chain_length = ?, chain_head = ?, chain_head_us = ?,
      last_seen_us = max(coalesce(last_seen_us, ?), ?) WHERE id = ?`);
    for (const [agentId, head] of heads) {
      update.run(head.length, head.hash, head.time_us, head.time_us, head.time_us, agentId);
      saveTrustState(db, agentId, head.trust);
    }
    return events;
  }).immediate();
}
