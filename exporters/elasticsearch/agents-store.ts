import type { ActionFeedItem, ActivityEvent, Actor, Agent, AgentStatus, ChainVerification } from '../../model/agent.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import type {
  ActionFeedQuery, ActivityInput, ActivityQuery, AgentPage, AgentQuery, AgentStore, OrganizationPolicy, SweepProgress, SweepReport,
} from '../agent-store.js';
import type { QueryScope } from '../store.js';
import { appendActivity, listActivity, verifyChain } from './activity-chain.js';
import { agentFromDoc, type AgentDoc } from './agents-docs.js';
import { listAgentActions } from './agents-feed.js';
import { ingestAgents } from './agents-ingest.js';
import { readPolicy, writePolicy } from './agents-policy.js';
import { agentDoc, changeStatus, findAgentDoc, listAgentDocs, registerAgent, usageInScope, type AgentContext } from './agents-registry.js';
import { sweepExpired } from './agents-retention.js';
import type { EntryDocument } from './entry-document.js';
import type { IndexNames } from './index-names.js';
import { guarded } from './search-guard.js';

/**
 * The agent registry and its streams on Elasticsearch, with the SQLite
 * store's behaviour (exporters/agent-store.ts is the contract; the chain,
 * trust and retention rules are model/'s and exporters/agent-store.ts's,
 * called here as there). Reads of single documents are realtime gets;
 * lists are searches over documents written with `refresh: wait_for`, never
 * partial; a cluster failure is a StoreUnavailableError (the API's 503),
 * as for the ledger (search-guard.ts).
 */
export class ElasticsearchAgentStore implements AgentStore {
  constructor(
    private readonly ctx: AgentContext,
    private readonly names: IndexNames,
    /** Counts stored entries afresh into deleted runs (the ledger's recount). */
    private readonly recount: (documents: readonly EntryDocument[]) => Promise<void>,
  ) {}

  /** The ledger writer's hook: the agent side of the entries a batch created. */
  ingest(created: readonly EntryRecord[]): Promise<void> {
    return ingestAgents(this.ctx, created);
  }

  private async agents(docs: AgentDoc[], scope: QueryScope | 'public'): Promise<Agent[]> {
    const usage = await usageInScope(this.ctx, scope, docs.map((d) => d.id));
    return docs.map((d) => agentFromDoc(d, this.ctx.settings, usage?.get(d.id) ?? null));
  }

  registerAgent(input: { organization_id: string; name: string; external_ids: string[] }, actor: Actor): Promise<Agent> {
    return guarded(async () => {
      const id = await registerAgent(this.ctx, input, actor);
      return (await this.agents([(await agentDoc(this.ctx, id))!], { organization_id: input.organization_id, user_id: null }))[0];
    });
  }

  findAgent(scope: QueryScope | 'public', ref: string): Promise<Agent | null> {
    return guarded(async () => {
      const doc = await findAgentDoc(this.ctx, scope, ref);
      return doc ? (await this.agents([doc], scope))[0] : null;
    });
  }

  listAgents(query: AgentQuery): Promise<AgentPage> {
    return guarded(async () => {
      const { docs, total } = await listAgentDocs(this.ctx, query);
      return { data: await this.agents(docs, query.scope), total };
    });
  }

  setAgentStatus(agentId: string, status: AgentStatus, actor: Actor): Promise<{ agent: Agent; changed: boolean }> {
    return guarded(async () => {
      const { doc, changed } = await changeStatus(this.ctx, agentId, status, actor);
      return { agent: (await this.agents([doc], { organization_id: null, user_id: null }))[0], changed };
    });
  }

  reportActivity(events: ActivityInput[], reportedBy: string): Promise<ActivityEvent[]> {
    return guarded(() => appendActivity(this.ctx, events, reportedBy));
  }

  listActivity(query: ActivityQuery): Promise<{ data: ActivityEvent[]; total: number }> {
    return guarded(() => listActivity(this.ctx, query));
  }

  verifyActivityChain(agentId: string): Promise<ChainVerification> {
    return guarded(() => verifyChain(this.ctx, agentId));
  }

  listAgentActions(query: ActionFeedQuery): Promise<ActionFeedItem[]> {
    return guarded(async () => {
      const doc = await agentDoc(this.ctx, query.agent_id);
      if (!doc) return [];
      return listAgentActions(this.ctx, this.names, doc, query, (await readPolicy(this.ctx, doc.organization_id)).retention_days);
    });
  }

  getOrganizationPolicy(organizationId: string): Promise<OrganizationPolicy> {
    return guarded(() => readPolicy(this.ctx, organizationId));
  }

  async setOrganizationPolicy(organizationId: string, changes: Partial<OrganizationPolicy>, force = false): Promise<OrganizationPolicy> {
    await guarded(() => writePolicy(this.ctx, this.names.organizations, organizationId, changes, force));
    return guarded(() => readPolicy(this.ctx, organizationId));
  }

  sweepExpired(options: { now_us: number; batch_size: number; progress?: SweepProgress }): Promise<SweepReport> {
    return guarded(() => sweepExpired(this.ctx, this.names, this.recount, options));
  }
}
