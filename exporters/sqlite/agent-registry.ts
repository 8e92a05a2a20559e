import type { Actor, AgentStatus } from '../../model/agent.js';
import { looksLikeAsn, parseAsn } from '../../model/asn.js';
import type { AgentQuery } from '../agent-store.js';
import type { QueryScope } from '../store.js';
import { insertLifecycleEvent } from './agent-registration.js';
import type { AgentRow } from './agent-row.js';
import type { Database } from './driver.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An agent by UUID, ASN or external id. Something shaped like an ASN is only
 * ever an ASN (a wrong check letter finds nothing); a UUID is tried as the
 * agent's id, then as an external id (spans may carry UUIDs). `public` finds
 * by UUID or ASN in any organization. A scope of every organization
 * (superusers) takes the oldest agent carrying an external id.
 */
export function findAgentRow(db: Database, scope: QueryScope | 'public', ref: string): AgentRow | null {
  const org = scope === 'public' ? null : scope.organization_id;
  const inOrg = org === null ? '' : ' AND organization_id = ?';
  const orgArgs = org === null ? [] : [org];
  if (looksLikeAsn(ref)) {
    const asn = parseAsn(ref);
    if (asn === null) return null;
    return (db.prepare(`SELECT * FROM agents WHERE asn = ?${inOrg}`).get(asn, ...orgArgs) as AgentRow | undefined) ?? null;
  }
  if (UUID.test(ref)) {
    const row = db.prepare(`SELECT * FROM agents WHERE id = ?${inOrg}`).get(ref.toLowerCase(), ...orgArgs) as AgentRow | undefined;
    if (row) return row;
  }
  if (scope === 'public') return null;
  const row = db
    .prepare(
      `SELECT a.* FROM agent_external_ids x JOIN agents a ON a.id = x.agent_id
       WHERE x.external_id = ?${org === null ? '' : ' AND x.organization_id = ?'} ORDER BY a.created_us, a.id LIMIT 1`,
    )
    .get(ref, ...orgArgs) as AgentRow | undefined;
  return row ?? null;
}

export function agentRowById(db: Database, id: string): AgentRow | null {
  return (db.prepare('SELECT * FROM agents WHERE id = ?').get(id) as AgentRow | undefined) ?? null;
}

/** Newest registration first (then id). `fold` is the read connection's case folding (ledger-filter-sql.ts). */
export function listAgentRows(db: Database, query: AgentQuery): { rows: AgentRow[]; total: number } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (query.scope.organization_id !== null) where.push('organization_id = ?'), args.push(query.scope.organization_id);
  if (query.status) where.push('status = ?'), args.push(query.status);
  if (query.name) where.push('instr(fold(name), fold(?)) > 0'), args.push(query.name);
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = db.prepare(`SELECT count(*) FROM agents ${clause}`).pluck().get(...args) as number;
  const rows = db
    .prepare(`SELECT * FROM agents ${clause} ORDER BY created_us DESC, id DESC LIMIT ? OFFSET ?`)
    .all(...args, query.per_page, (query.page - 1) * query.per_page) as AgentRow[];
  return { rows, total };
}

/** Changes an agent's status and records the lifecycle event, in one transaction; nothing when it already is `status`. */
export function changeStatus(db: Database, agentId: string, status: AgentStatus, actor: Actor, nowUs: number): boolean {
  return db.transaction(() => {
    const row = agentRowById(db, agentId);
    if (!row) throw new Error(`agent ${agentId} does not exist`);
    if (row.status === status) return false;
    db.prepare('UPDATE agents SET status = ? WHERE id = ?').run(status, agentId);
    insertLifecycleEvent(db, {
      organization_id: row.organization_id,
      agent_id: agentId,
      resource_name: row.name,
      event_type: status === 'deactivated' ? 'deactivate' : 'activate',
      from_state: row.status,
      to_state: status,
      actor,
      error: null,
      ts_us: nowUs,
    });
    return true;
  }).immediate();
}
