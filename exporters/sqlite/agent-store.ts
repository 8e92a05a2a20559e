import type { ActionFeedItem, ActivityEvent, Actor, Agent, AgentStatus, ChainVerification } from '../../model/agent.js';
import type {
  ActionFeedQuery,
  ActivityInput,
  ActivityQuery,
  AgentPage,
  AgentQuery,
  AgentStore,
  OrganizationPolicy,
  SweepProgress,
  SweepReport,
} from '../agent-store.js';
import type { QueryScope } from '../store.js';
import { listActivity } from './activity-reader.js';
import { appendActivity } from './activity-writer.js';
import { listAgentActions } from './agent-feed-reader.js';
import { insertAgent } from './agent-registration.js';
import { agentRowById, changeStatus, findAgentRow, listAgentRows } from './agent-registry.js';
import { agentsFromRows, externalIdsOf, type AgentRow, type AgentSettings } from './agent-row.js';
import { verifyChain } from './chain-verifier.js';
import type { Database } from './driver.js';
import { readPolicy, writePolicy } from './org-policy.js';
import type { LedgerPartitions } from './partition-readers.js';
import type { EntrySweep } from './partition-retention.js';
import { sweepExpired } from './retention-sweeper.js';
import type { SweepRequest } from './writer-thread.js';

/**
 * The agent registry and its streams on SQLite. Reads use the store's read
 * connection; writes (registrations, reports, status changes, policy, the
 * retention sweep) use the rare-writes connection beside the entry writer,
 * each in one IMMEDIATE transaction, which SQLite serialises with the
 * writer's (and other processes') transactions. Agents first named by spans
 * are registered by the entry writer itself (agent-ingest.ts). An agent's
 * ledger entries are read from the partitions; their retention runs on the
 * writer (`sweepEntries`).
 */
export class SqliteAgentStore implements AgentStore {
  constructor(
    private readonly read: Database,
    private readonly write: () => Database,
    private readonly settings: AgentSettings,
    private readonly partitions: LedgerPartitions,
    private readonly sweepEntries: (request: SweepRequest, progress?: (swept: EntrySweep, step: string) => void) => Promise<EntrySweep>,
  ) {}

  /** The agent as `scope` sees it: a user-scoped caller gets the usage of their own entries only. */
  private agent(db: Database, row: AgentRow, scope: QueryScope | 'public'): Agent {
    return agentsFromRows(db, [row], this.settings, scope)[0];
  }

  async registerAgent(input: { organization_id: string; name: string; external_ids: string[] }, actor: Actor): Promise<Agent> {
    const db = this.write();
    const id = db.transaction(() => insertAgent(db, { ...input, now_us: this.settings.now(), actor })).immediate();
    return this.agent(db, agentRowById(db, id)!, { organization_id: input.organization_id, user_id: null });
  }

  async findAgent(scope: QueryScope | 'public', ref: string): Promise<Agent | null> {
    const row = findAgentRow(this.read, scope, ref);
    return row ? this.agent(this.read, row, scope) : null;
  }

  async listAgents(query: AgentQuery): Promise<AgentPage> {
    const { rows, total } = listAgentRows(this.read, query);
    return { data: agentsFromRows(this.read, rows, this.settings, query.scope), total };
  }

  async setAgentStatus(agentId: string, status: AgentStatus, actor: Actor): Promise<{ agent: Agent; changed: boolean }> {
    const db = this.write();
    const changed = changeStatus(db, agentId, status, actor, this.settings.now());
    return { agent: this.agent(db, agentRowById(db, agentId)!, { organization_id: null, user_id: null }), changed };
  }

  async reportActivity(events: ActivityInput[], reportedBy: string): Promise<ActivityEvent[]> {
    return appendActivity(this.write(), events, reportedBy, this.settings);
  }

  async listActivity(query: ActivityQuery): Promise<{ data: ActivityEvent[]; total: number }> {
    return listActivity(this.read, query, this.retentionOfAgent(query.agent_id));
  }

  async verifyActivityChain(agentId: string): Promise<ChainVerification> {
    // one read transaction: the chain and its head as of one moment, whatever is appended meanwhile
    return this.read.transaction(() => {
      const row = agentRowById(this.read, agentId);
      if (!row) throw new Error(`agent ${agentId} does not exist`);
      return verifyChain(this.read, row);
    }).deferred();
  }

  async listAgentActions(query: ActionFeedQuery): Promise<ActionFeedItem[]> {
    return this.read.transaction(() => {
      const row = agentRowById(this.read, query.agent_id);
      if (!row) return [];
      const externalIds = externalIdsOf(this.read, [row.id]).get(row.id) ?? [];
      return listAgentActions(this.read, row, externalIds, query, this.retention(row.organization_id), this.partitions);
    }).deferred();
  }

  async getOrganizationPolicy(organizationId: string): Promise<OrganizationPolicy> {
    return readPolicy(this.read, organizationId, this.settings.retention_days);
  }

  async setOrganizationPolicy(organizationId: string, changes: Partial<OrganizationPolicy>, force = false): Promise<OrganizationPolicy> {
    const db = this.write();
    writePolicy(db, organizationId, changes, force);
    return readPolicy(db, organizationId, this.settings.retention_days);
  }

  sweepExpired(options: { now_us: number; batch_size: number; progress?: SweepProgress }): Promise<SweepReport> {
    const { progress } = options;
    return sweepExpired(
      this.write(),
      this.settings.retention_days,
      options.now_us,
      options.batch_size,
      () =>
        this.sweepEntries(
          { now_us: options.now_us, default_days: this.settings.retention_days, batch_size: options.batch_size },
          progress && ((swept, step) => progress({ entries: swept.entries, activity_events: 0, lifecycle_events: 0, runs: swept.runs }, step)),
        ),
      progress,
    );
  }

  private retention(organizationId: string): number {
    return readPolicy(this.read, organizationId, this.settings.retention_days).retention_days;
  }

  private retentionOfAgent(agentId: string): number {
    const row = agentRowById(this.read, agentId);
    return row ? this.retention(row.organization_id) : this.settings.retention_days;
  }
}
