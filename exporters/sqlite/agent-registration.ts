import { randomUUID } from 'node:crypto';
import type { Actor, AgentStatus } from '../../model/agent.js';
import { generateAsn } from '../../model/asn.js';
import { AgentConflictError } from '../agent-store.js';
import type { Database } from './driver.js';

export interface LifecycleInput {
  organization_id: string;
  agent_id: string;
  resource_name: string;
  event_type: 'register' | 'deactivate' | 'activate';
  from_state: AgentStatus | null;
  to_state: AgentStatus;
  actor: Actor;
  error: string | null;
  ts_us: number;
}

/** Appends one lifecycle event (inside the caller's transaction). */
export function insertLifecycleEvent(db: Database, e: LifecycleInput): void {
  db.prepare(
    `INSERT INTO lifecycle_events (id, organization_id, agent_id, resource_name, event_type, from_state, to_state, actor_type, actor_id, error, ts_us)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(randomUUID(), e.organization_id, e.agent_id, e.resource_name, e.event_type, e.from_state, e.to_state, e.actor.actor_type, e.actor.actor_id, e.error, e.ts_us);
}

const ASN_ATTEMPTS = 50;

/**
 * Creates an agent row with a fresh ASN, its external ids and its `register`
 * lifecycle event, inside the caller's transaction. ASNs are random within
 * their year; a clash with an existing one is simply drawn again.
 */
export function insertAgent(
  db: Database,
  input: { organization_id: string; name: string; external_ids: readonly string[]; now_us: number; actor: Actor },
): string {
  const id = randomUUID();
  const year = new Date(Math.floor(input.now_us / 1000)).getUTCFullYear();
  const insert = db.prepare(
    `INSERT INTO agents (id, asn, organization_id, name, status, created_us) VALUES (?, ?, ?, ?, 'active', ?) ON CONFLICT (asn) DO NOTHING`,
  );
  let inserted = false;
  for (let attempt = 0; attempt < ASN_ATTEMPTS && !inserted; attempt++) {
    inserted = insert.run(id, generateAsn(year), input.organization_id, input.name, input.now_us).changes === 1;
  }
  if (!inserted) throw new Error(`no free ASN found for ${year} after ${ASN_ATTEMPTS} attempts`);
  const link = db.prepare('INSERT INTO agent_external_ids (organization_id, external_id, agent_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
  for (const externalId of new Set(input.external_ids)) {
    if (link.run(input.organization_id, externalId, id).changes === 0) {
      throw new AgentConflictError(`external id ${JSON.stringify(externalId)} already belongs to another agent of this organization`);
    }
  }
  insertLifecycleEvent(db, {
    organization_id: input.organization_id,
    agent_id: id,
    resource_name: input.name,
    event_type: 'register',
    from_state: null,
    to_state: 'active',
    actor: input.actor,
    error: null,
    ts_us: input.now_us,
  });
  return id;
}
